import { Analytics } from '@segment/analytics-node';
import type { TestApp } from '@platform/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimestamp } from '../src/timestamp';
import { get, KEYS, post, postRaw, sessionId, startEye, waitForItems, waitForRecord } from './helpers';

describe('Segment compatibility', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startEye();
  });
  afterAll(() => app.close());

  const sdk = () => new Analytics({ writeKey: KEYS.web, host: app.baseUrl, path: '/eye/segment/v1/batch', flushAt: 10, flushInterval: 50, maxRetries: 1 });

  it('stores track, page and identify sent by @segment/analytics-node, with messageId as event_id', async () => {
    const user = sessionId('sdk');
    const analytics = sdk();
    const sent: (string | undefined)[] = [];
    const errors: unknown[] = [];
    const callback = (error?: unknown, ctx?: { event: { messageId?: string } }) => {
      if (error) errors.push(error);
      sent.push(ctx?.event.messageId);
    };
    analytics.track({ anonymousId: user, event: 'Signed Up', properties: { plan: 'pro' } }, callback);
    analytics.page({ anonymousId: user, name: 'Home', properties: { path: '/' } }, callback);
    analytics.identify({ anonymousId: user, userId: 'u-1', traits: { email: 'a@example.com' } }, callback);
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);
    const items = await waitForItems(app, `/eye/sessions/${user}/events`, 3);
    expect(items.map((item) => item.name).sort()).toEqual(['Signed Up', 'identify', 'page']);
    expect(new Set(items.map((item) => item.event_id))).toEqual(new Set(sent));
    expect(sent).toHaveLength(3);
    const track = items.find((item) => item.name === 'Signed Up')!;
    expect(track).toMatchObject({ category: 'segment', application: 'web', type_version: 1, data: { type: 'track', event: 'Signed Up', properties: { plan: 'pro' } } });
    expect(track.data.messageId).toBeUndefined();
    expect(track.data.context.library.name).toBe('@segment/analytics-node');

    // A resend (the SDK's retry) stores nothing twice.
    const resend = sdk();
    const resent: (string | undefined)[] = [];
    resend.track({ anonymousId: user, event: 'Signed Up', messageId: track.event_id } as never, (error, ctx) => {
      if (error) errors.push(error);
      resent.push(ctx?.event.messageId);
    });
    await resend.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);
    expect(resent).toEqual([track.event_id]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await get(app, `/eye/sessions/${user}/events`)).body.items).toHaveLength(3);
  });

  it('corrects clock skew exactly: timestamp = received_at − (sentAt − originalTimestamp)', async () => {
    const user = sessionId('skew');
    const answer = await post(app, '/eye/segment/v1/batch', {
      batch: [
        { type: 'track', event: 'A', anonymousId: user, messageId: 'skew-1', originalTimestamp: '2030-01-01T00:00:00.000000Z' },
        { type: 'track', event: 'B', anonymousId: user, messageId: 'skew-2', timestamp: '2021-01-01T00:00:00.123456Z', sentAt: null },
      ],
      sentAt: '2030-01-01T00:00:01.500000Z',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, accepted: 2, duplicates: 0, rejected: [] });
    const items = await waitForItems(app, `/eye/sessions/${user}/events`, 2);
    const skewed = items.find((item) => item.event_id === 'skew-1')!;
    const received = BigInt(Date.parse(skewed.received_at)) * 1000n + BigInt(skewed.received_at.slice(23, 26));
    const stamped = BigInt(Date.parse(skewed.timestamp)) * 1000n + BigInt(skewed.timestamp.slice(23, 26));
    expect(received - stamped).toBe(1_500_000n);
    // A message's null sentAt falls back to the batch's, so skew-2 is corrected too.
    const nullSent = items.find((item) => item.event_id === 'skew-2')!;
    const skew = parseTimestamp('2030-01-01T00:00:01.500000Z')! - parseTimestamp('2021-01-01T00:00:00.123456Z')!;
    expect(parseTimestamp(nullSent.received_at)! - parseTimestamp(nullSent.timestamp)!).toBe(skew);
  });

  it('records a rejected message whose sentAt is null with the batch sentAt', async () => {
    const user = sessionId('skew-null');
    const answer = await post(app, '/eye/segment/v1/batch', {
      batch: [{ type: 'track', anonymousId: user, messageId: 'skew-null-1', sentAt: null }],
      sentAt: '2030-01-01T00:00:01.500000Z',
    });
    expect(answer.body.rejected.map((item: any) => item.code)).toEqual(['validation_failed']);
    const record = await waitForRecord(app, answer.body.rejected[0].error_id);
    expect(record.payload.sentAt).toBe('2030-01-01T00:00:01.500000Z');
  });

  it('maps single-message endpoints, writeKey in the body, text/plain, and session id fallbacks', async () => {
    const user = sessionId('single');
    const track = await app.request('/eye/segment/v1/track', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ writeKey: KEYS.web, event: 'Clicked', userId: 42, properties: { session_id: user }, messageId: 'single-1' }),
    });
    expect(track.status).toBe(200);
    expect(await track.json()).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
    expect((await post(app, '/eye/segment/v1/page', { userId: user, name: 'Docs', messageId: 'single-2' })).body.accepted).toBe(1);
    expect((await post(app, '/eye/segment/v1/identify', { userId: user, traits: {} })).body.accepted).toBe(1);
    expect((await post(app, '/eye/segment/v1/identify', { userId: user, traits: {} })).body.duplicates).toBe(1);
    const items = await waitForItems(app, `/eye/events?category=segment&session_id=${user}`, 3);
    expect(items.map((item) => item.name).sort()).toEqual(['Clicked', 'identify', 'page']);
    expect(items.find((item) => item.name === 'Clicked')!.data.writeKey).toBeUndefined();
    expect(items.find((item) => item.name === 'identify')!.event_id).toBeNull();
  });

  it('answers request-level problems with 400 (Segment does not retry them) and auth with 401', async () => {
    const malformed = await postRaw(app, '/eye/segment/v1/batch', '{"batch": [},');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'malformed_json', error_id: expect.any(String) });
    const tooLarge = await post(app, '/eye/segment/v1/batch', { batch: [{ type: 'track', event: 'x', anonymousId: 'a', properties: { pad: 'x'.repeat(520_000) } }] });
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body.error.code).toBe('payload_too_large');
    const shape = await post(app, '/eye/segment/v1/batch', { batch: 'nope' });
    expect(shape.status).toBe(400);
    expect(shape.body.error.code).toBe('validation_failed');
    const noKey = await app.request('/eye/segment/v1/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: [] }) });
    expect(noKey.status).toBe(401);
    const badKey = await app.request('/eye/segment/v1/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: [], writeKey: 'nope' }) });
    expect(badKey.status).toBe(401);
    expect((await postRaw(app, '/eye/segment/v1/batch', '{}', KEYS.web, 'application/xml')).status).toBe(415);
    expect((await app.request('/eye/segment/v1/batch', { method: 'OPTIONS' })).status).toBe(204);
    expect((await app.request('/eye/segment/v1/batch', { method: 'GET' })).status).toBe(405);
  });

  it('ignores envelope fields Segment does not define, keeping them in the raw record of a rejected request', async () => {
    const user = sessionId('envelope');
    const answer = await post(app, '/eye/segment/v1/batch', {
      batch: [{ type: 'track', event: 'Legacy', anonymousId: user, messageId: 'envelope-1', timestamp: '2021-01-01T00:00:00Z' }],
      timestamp: '2021-01-01T00:00:01Z',
      sentAt: '2021-01-01T00:00:01Z',
      library: { name: 'custom' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
    const [stored] = await waitForItems(app, `/eye/sessions/${user}/events`, 1);
    expect(stored.data.library).toBeUndefined();

    const shape = await post(app, '/eye/segment/v1/batch', { batch: 'nope', timestamp: '2021-01-01T00:00:01Z', extra: true });
    expect(shape.status).toBe(400);
    expect(shape.body.error.details).toEqual([{ path: 'batch', message: 'Must be an array' }]);
    expect(JSON.parse((await waitForRecord(app, shape.body.error.error_id)).raw_text)).toMatchObject({ timestamp: '2021-01-01T00:00:01Z', extra: true });
  });

  it('answers a single message over 32 KiB with 400 payload_too_large (recorded), as §10 says', async () => {
    const user = sessionId('single-size');
    const message = (bytes: number, messageId: string) => {
      const text = JSON.stringify({ anonymousId: user, event: 'Sized', messageId, properties: { pad: '' } });
      return text.replace('"pad":""', `"pad":"${'x'.repeat(bytes - Buffer.byteLength(text))}"`);
    };
    const fits = await postRaw(app, '/eye/segment/v1/track', message(32 * 1024, 'size-1'));
    expect(fits.status).toBe(200);
    expect(fits.body.accepted).toBe(1);
    for (const type of ['track', 'page', 'identify']) {
      const over = await postRaw(app, `/eye/segment/v1/${type}`, message(32 * 1024 + 1, `size-${type}`));
      expect(over.status).toBe(400);
      expect(over.body.error).toMatchObject({ code: 'payload_too_large', error_id: expect.any(String) });
      expect((await waitForRecord(app, over.body.error.error_id)).endpoint).toBe(`/eye/segment/v1/${type}`);
    }
  });

  it('rejects invalid messages one by one and records them with the batch defaults applied', async () => {
    const user = sessionId('invalid');
    const answer = await post(app, '/eye/segment/v1/batch', {
      batch: [
        { type: 'track', anonymousId: user, messageId: 'inv-0' },
        { type: 'track', event: 'Ok', anonymousId: user, messageId: 'inv-1' },
        { type: 'bogus', anonymousId: user },
        { type: 'page' },
        { type: 'track', event: 'Big', anonymousId: user, properties: { pad: 'x'.repeat(33 * 1024) } },
        { type: 'track', event: 'Future', anonymousId: user, timestamp: '2999-01-01T00:00:00Z' },
      ],
      context: { app: 'shared', ip: '1.2.3.4' },
      sentAt: '2021-01-01T00:00:00Z',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.rejected.map((item: any) => [item.index, item.code])).toEqual([
      [0, 'validation_failed'],
      [2, 'validation_failed'],
      [3, 'validation_failed'],
      [4, 'event_too_large'],
      [5, 'timestamp_in_future'],
    ]);
    const record = await waitForRecord(app, answer.body.rejected[0].error_id);
    expect(record).toMatchObject({ endpoint: '/eye/segment/v1/batch', index: 0, payload: { type: 'track', anonymousId: user, messageId: 'inv-0', sentAt: '2021-01-01T00:00:00Z', context: { app: 'shared', ip: '1.2.3.4' } } });
    expect(record.details).toEqual([{ path: 'event', message: expect.any(String) }]);

    // Replay re-maps the recorded message: still invalid → 422 with the current code, record unchanged.
    const replay = await post(app, `/eye/errors/${record.id}/replay`, undefined);
    expect(replay.status).toBe(422);
    expect(replay.body.error.code).toBe('validation_failed');
    const tooLarge = await post(app, `/eye/errors/${answer.body.rejected[3].error_id}/replay`, undefined);
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body.error.code).toBe('event_too_large');
    expect((await get(app, `/eye/errors/${record.id}`)).body.status).toBe('open');
  });

  it('replays a recorded Segment message against a newer type version, keeping the skew correction', async () => {
    const user = sessionId('seg-replay');
    const register = (schema: unknown) =>
      app.request('/eye/event-types/segment/Checkout', { method: 'PUT', headers: { authorization: `Bearer ${KEYS.mobile}` }, json: { schema } });
    expect((await register({ type: 'object', required: ['properties'], properties: { properties: { type: 'object', required: ['total'] } } })).status).toBe(201);
    const message = { type: 'track', event: 'Checkout', anonymousId: user, messageId: 'seg-replay-1', originalTimestamp: '2021-06-01T00:00:00Z', properties: {} };
    const answer = await post(app, '/eye/segment/v1/batch', { batch: [message], sentAt: '2021-06-01T00:00:02.5Z' }, KEYS.mobile);
    expect(answer.body.rejected.map((item: any) => [item.code, item.details[0].path])).toEqual([['validation_failed', 'data.properties.total']]);
    const record = await waitForRecord(app, answer.body.rejected[0].error_id, KEYS.mobile);
    expect(record.payload).toEqual({ ...message, sentAt: '2021-06-01T00:00:02.5Z' });

    expect((await register({ type: 'object' })).status).toBe(201);
    const replayed = await post(app, `/eye/errors/${record.id}/replay`, undefined, KEYS.mobile);
    expect(replayed.status).toBe(200);
    expect(replayed.body.event).toMatchObject({ event_id: 'seg-replay-1', category: 'segment', name: 'Checkout', type_version: 2, received_at: record.received_at });
    const received = BigInt(Date.parse(record.received_at)) * 1000n + BigInt(record.received_at.slice(23, 26));
    const stamped = BigInt(Date.parse(replayed.body.event.timestamp)) * 1000n + BigInt(replayed.body.event.timestamp.slice(23, 26));
    expect(received - stamped).toBe(2_500_000n);
    // The SDK retrying the same message now finds it stored.
    expect((await post(app, '/eye/segment/v1/batch', { batch: [message], sentAt: '2021-06-01T00:00:03Z' }, KEYS.mobile)).body.duplicates).toBe(1);
  });
});
