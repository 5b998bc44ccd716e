import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import { onResponseDone } from '../src/response-done';

describe('onResponseDone', () => {
  it('runs every callback once, in order, after the response is sent, through a single close listener', async () => {
    const calls: string[] = [];
    let listenersAdded = -1;
    const server = createServer((_req, res: ServerResponse) => {
      const before = res.listenerCount('close');
      onResponseDone(res as unknown as Response, () => calls.push(`first finished=${res.writableFinished}`));
      onResponseDone(res as unknown as Response, () => calls.push('second'));
      listenersAdded = res.listenerCount('close') - before;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(await response.text()).toBe('ok');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(listenersAdded).toBe(1);
      expect(calls).toEqual(['first finished=true', 'second']);
    } finally {
      server.close();
    }
  });
});
