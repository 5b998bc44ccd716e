import type { Response } from 'express';

const CALLBACKS = Symbol('response-done callbacks');
type Tracked = Response & { [CALLBACKS]?: (() => void)[] };

/**
 * Runs `callback` once the response is over: sent, or abandoned by the client. Every caller shares one 'close'
 * listener per response, because adding a listener is a measurable part of a small request's cost.
 */
export function onResponseDone(res: Response, callback: () => void): void {
  const tracked = res as Tracked;
  const callbacks = tracked[CALLBACKS];
  if (callbacks) {
    callbacks.push(callback);
    return;
  }
  const list = [callback];
  tracked[CALLBACKS] = list;
  res.on('close', () => {
    for (const run of list) run();
  });
}
