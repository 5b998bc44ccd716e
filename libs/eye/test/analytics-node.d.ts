/** The part of Segment's legacy `analytics-node` (v6, untyped) that the SDK tests call. */
declare module 'analytics-node' {
  type Callback = (error?: Error, data?: { batch: { messageId: string }[] }) => void;
  type Message = { anonymousId?: string; userId?: string; messageId?: string; [field: string]: unknown };
  export default class Analytics {
    constructor(writeKey: string, options?: { host?: string; path?: string });
    track(message: Message & { event: string }, callback?: Callback): this;
    page(message: Message, callback?: Callback): this;
    identify(message: Message, callback?: Callback): this;
    flush(callback?: Callback): Promise<unknown>;
  }
}
