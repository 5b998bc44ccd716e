import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import LegacyAnalytics from 'analytics-node';
import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, KEYS, metricValues, sessionId, startEye, waitForItems } from './helpers';

type Call = { type: 'track' | 'page' | 'identify'; message: { anonymousId: string; [field: string]: unknown } };
type Done = (error?: unknown) => void;

/**
 * A Segment-protocol SDK, unmodified and with its default options: only pointed at the gateway and given a write
 * key. `send` makes the calls, flushes, and settles once the SDK reported every call's outcome.
 */
interface Sdk {
  name: string;
  /** `context.library` as the SDK stamps it (RudderStack's SDK keeps the name of the Segment SDK it forked). */
  library: { name: string; version: string };
  send(baseUrl: string, calls: Call[]): Promise<void>;
}

const PATH = '/eye/segment/v1/batch';

/** One promise per call, settled by the call's callback; `flush` sends what the SDK still holds. */
async function settled(calls: Call[], invoke: (call: Call, done: Done) => void, flush: () => Promise<unknown>): Promise<void> {
  const outcomes = calls.map((call) => new Promise<void>((resolve, reject) => invoke(call, (error) => (error ? reject(error) : resolve()))));
  await flush();
  await Promise.all(outcomes);
}

const SDKS: Sdk[] = [
  {
    // Segment's current SDK: plain JSON, per-message `timestamp`, batch `sentAt`.
    name: '@segment/analytics-node 3.1.0',
    library: { name: '@segment/analytics-node', version: '3.1.0' },
    send: (host, calls) => {
      const client = new SegmentAnalytics({ writeKey: KEYS.web, host, path: PATH });
      return settled(calls, ({ type, message }, done) => client[type](message as never, done), () => client.closeAndFlush());
    },
  },
  {
    // Segment's legacy SDK: an envelope with a top-level `timestamp` beside `batch` and `sentAt`.
    name: 'analytics-node 6.2.0',
    library: { name: 'analytics-node', version: '6.2.0' },
    send: (host, calls) => {
      const client = new LegacyAnalytics(KEYS.web, { host, path: PATH });
      return settled(calls, ({ type, message }, done) => client[type](message as never, done), () => client.flush());
    },
  },
  {
    // RudderStack's SDK: gzips every batch (Content-Type form-urlencoded, axios' default for a Buffer), envelope
    // `timestamp`, per-message `sentAt` and `originalTimestamp`.
    name: '@rudderstack/rudder-sdk-node 3.1.1',
    library: { name: 'analytics-node', version: '3.1.1' },
    send: (host, calls) => {
      const client = new RudderAnalytics(KEYS.web, { dataPlaneUrl: host, path: PATH });
      return settled(calls, ({ type, message }, done) => client[type](message as never, done as () => void), () => client.flush());
    },
  },
];

describe('real Segment-protocol SDKs with their default options', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startEye();
  });
  afterAll(() => app.close());

  it.each(SDKS)('$name: track, page and identify are each stored exactly once, and a resend stores nothing', async (sdk) => {
    const user = sessionId('sdk');
    await sdk.send(app.baseUrl, [
      { type: 'track', message: { anonymousId: user, event: 'Signed Up', properties: { plan: 'pro' } } },
      { type: 'page', message: { anonymousId: user, name: 'Home', properties: { path: '/' } } },
      { type: 'identify', message: { anonymousId: user, userId: 'u-1', traits: { email: 'a@example.com' } } },
    ]);
    const items = await waitForItems(app, `/eye/sessions/${user}/events`, 3);
    expect(items).toHaveLength(3);
    expect(items.map((item) => item.name).sort()).toEqual(['Signed Up', 'identify', 'page']);
    const ids = items.map((item) => item.event_id);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(3);
    const track = items.find((item) => item.name === 'Signed Up')!;
    expect(track).toMatchObject({ category: 'segment', application: 'web', data: { type: 'track', event: 'Signed Up', properties: { plan: 'pro' } } });
    expect(track.data.context.library).toEqual(sdk.library);

    // The SDK sending a stored message again (its retry after a lost answer) is answered as a duplicate.
    const before = await metricValues(app);
    await sdk.send(app.baseUrl, [{ type: 'track', message: { anonymousId: user, event: 'Signed Up', messageId: track.event_id } }]);
    const after = await metricValues(app);
    const duplicates = 'eye_events_ingested_total{application="web",outcome="duplicate"}';
    expect((after.get(duplicates) ?? 0) - (before.get(duplicates) ?? 0)).toBe(1);
    expect((await get(app, `/eye/sessions/${user}/events`)).body.items).toHaveLength(3);
  });
});
