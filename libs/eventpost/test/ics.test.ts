import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '@platform/platform/testing';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventpostModule } from '../src';
import { escapeText, foldLine } from '../src/ics';
import { createEvent, errorOf } from './fixtures';

function parseCalendar(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  return calendar;
}

describe('iCalendar export', () => {
  let app: TestApp;
  const organizer = `ics-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    app = await startTestApp({ modules: [createEventpostModule], workers: false, env: { PUBLIC_URL: 'https://events.example', EVENTPOST_ICS_MAX_EVENTS: '5' } });
  });
  afterAll(() => app.close());

  it('exports one event that ical.js parses back to the same UID, start, text and categories', async () => {
    const title = 'Jazz; blues, and \\ more';
    const description = `Line one\nLine two with ünïcödé 🎷 and a long tail ${'x'.repeat(120)}`;
    const event = await createEvent(app, { title, description, topics: ' music , jazz,, ', place: 'Plaza, Mayor', organizer });
    const response = await app.request(`/eventpost/events/${event.id}.ics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const text = await response.text();
    expect(text.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//EventPost//Platform//EN\r\nCALSCALE:GREGORIAN\r\n')).toBe(true);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(text).not.toMatch(/[^\r]\n/);
    expect(text).toContain('DTSTART;TZID=Europe/Madrid:20261212T205012');
    const vevent = parseCalendar(text).getFirstSubcomponent('vevent')!;
    const parsed = new ICAL.Event(vevent);
    expect(parsed.uid).toBe(`${event.id}@eventpost`);
    expect(parsed.startDate.toJSDate().toISOString().replace('.000', '')).toBe(event.starts_at);
    expect(parsed.summary).toBe(title);
    expect(parsed.description).toBe(description);
    expect(parsed.location).toBe('Plaza, Mayor');
    expect(vevent.getFirstProperty('categories')!.getValues()).toEqual(['music', 'jazz']);
    expect(vevent.getFirstPropertyValue('sequence')).toBe(0);
    expect(vevent.getFirstPropertyValue('url')).toBe(`https://events.example/eventpost/events/${event.id}`);
    expect(vevent.getFirstPropertyValue('dtstamp')!.toString()).toBe(`${event.updated_at.slice(0, 19)}Z`);
  });

  it('maps DTSTART to starts_at through the VTIMEZONE for many zones and dates, and uses Z for UTC', async () => {
    const cases = [
      { timezone: 'UTC', date: '2026-05-05', time: '05:05:05' },
      { timezone: 'America/New_York', date: '1950-06-01', time: '12:00:00' },
      { timezone: 'Asia/Kolkata', date: '2030-01-01', time: '09:00:00' },
      { timezone: 'Australia/Lord_Howe', date: '2026-01-15', time: '18:45:00' },
      { timezone: 'Europe/Madrid', date: '2026-03-29', time: '02:30:00' },
    ];
    const created = [];
    for (const spec of cases) created.push(await createEvent(app, { ...spec, organizer: `${organizer}-zones` }));
    const text = await (await app.request(`/eventpost/events.ics?organizer=${organizer}-zones`)).text();
    expect(text).toContain('DTSTART:20260505T050505Z');
    const events = parseCalendar(text).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events.map((e) => e.uid)).toEqual(
      [...created].sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1)).map((e) => `${e.id}@eventpost`),
    );
    for (const event of events) {
      const source = created.find((e) => `${e.id}@eventpost` === event.uid)!;
      expect(event.startDate.toJSDate().toISOString().replace('.000', ''), source.timezone).toBe(source.starts_at);
    }
    expect(text.match(/BEGIN:VTIMEZONE/g)).toHaveLength(4);
  });

  it('writes the ambiguous hour of a DST fall-back as the first occurrence (RFC 5545 §3.3.5)', async () => {
    const event = await createEvent(app, { date: '2026-10-25', time: '02:30:00', organizer });
    expect(event.starts_at).toBe('2026-10-25T00:30:00Z');
    const text = await (await app.request(`/eventpost/events/${event.id}.ics`)).text();
    expect(text).toContain('DTSTART;TZID=Europe/Madrid:20261025T023000');
    expect(text).toMatch(/TZOFFSETFROM:\+0200\r\nTZOFFSETTO:\+0100\r\nDTSTART:20261025T030000/);
  });

  it('honours the list filters, the event limit and caching', async () => {
    const response = await app.request(`/eventpost/events.ics?organizer=${organizer}-zones&from=2026-01-01&to=2026-12-31`);
    expect(response.status).toBe(200);
    expect((await response.text()).match(/BEGIN:VEVENT/g)).toHaveLength(3);
    const tooMany = await app.request('/eventpost/events.ics');
    expect(tooMany.status).toBe(400);
    expect((await errorOf(tooMany)).code).toBe('bad_request');
    expect((await app.request('/eventpost/events.ics?from=nope')).status).toBe(400);
    const event = await createEvent(app, { organizer: `${organizer}-cache` });
    const first = await (await app.request(`/eventpost/events.ics?organizer=${organizer}-cache`)).text();
    await app.request(`/eventpost/events/${event.id}`, { method: 'PATCH', json: { title: 'Renamed for the calendar' } });
    const second = await (await app.request(`/eventpost/events.ics?organizer=${organizer}-cache`)).text();
    expect(first).not.toContain('Renamed for the calendar');
    expect(second).toContain('SUMMARY:Renamed for the calendar');
    expect(second).toContain('SEQUENCE:1');
    const singleResponse = await app.request(`/eventpost/events/${event.id}.ics`);
    const single = await singleResponse.text();
    expect(single).toContain('SUMMARY:Renamed for the calendar');
    const etag = singleResponse.headers.get('etag')!;
    expect((await app.request(`/eventpost/events/${event.id}.ics`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const head = await app.request(`/eventpost/events/${event.id}.ics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const post = await app.request('/eventpost/events.ics', { method: 'POST', json: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await app.request(`/eventpost/events/${event.id}`, { method: 'DELETE' });
    expect((await app.request(`/eventpost/events/${event.id}.ics`)).status).toBe(404);
  });

  it('escapes TEXT and folds at 75 octets without splitting a UTF-8 character', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
    const line = `DESCRIPTION:${'é😀'.repeat(40)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
      expect(part).not.toContain('\uFFFD');
    }
    expect(parts.slice(1).every((part) => part.startsWith(' '))).toBe(true);
    expect(parts.map((part, i) => (i ? part.slice(1) : part)).join('')).toBe(line);
  });
});
