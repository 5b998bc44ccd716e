import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { RawExchange, RawStep } from '@platform/platform/testing';

/** One operation of `/openapi.json`, with a valid sample for each path parameter and for the body. */
export interface RawOperation {
  method: string;
  template: string;
  pathValues: Record<string, string>;
  queryNames: string[];
  body: string | undefined;
}

export interface RawCase extends RawExchange {
  family: Family;
  /** What was sent, for the failure message. */
  label: string;
  /** false where no answer is owed (a body that never completes). */
  responseDue: boolean;
}

/** A seeded generator (mulberry32): the same seed gives the same requests. */
export function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number) => Math.floor(next() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { int, pick };
}
type Random = ReturnType<typeof random>;

const BAD_ESCAPES = ['%', '%Z', '%ZZ', '%zz', '%2', '%G0', '%%', 'a%', '%C0%AF', '%FF', '%FE%FF', '%00', '%E0%80', '%ED%A0%80', '%F4%90%80%80'];
const longEscape = (rng: Random) => rng.pick(['%', '%ZZ', '%C0', '%FF', '%00', '%E2%82']).repeat(100 + rng.int(2_500));
const badEscape = (rng: Random) => (rng.int(6) === 0 ? longEscape(rng) : `${rng.pick(['', 'abc', '1'])}${rng.pick(BAD_ESCAPES)}`);

const ENCODINGS = ['gzip', 'deflate', 'br', 'zstd', 'x-unknown', 'gzip, deflate', 'identity, gzip', 'GZIP', 'compress', '*', 'gzip;q=1'];
const CONTENT_TYPES = [
  'text/plain',
  'application/json; charset=utf-16',
  'application/json; charset=UTF-16LE',
  'application/json; charset=utf-32',
  'application/json; charset=bogus',
  'application/json; charset=latin1',
  'application/json; charset=',
  'application/json; charset',
  'application/json;;',
  'application/json; charset="utf-8',
  'application/json, text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '*/*',
  'application/',
  '/json',
  'application/merge-patch+json; charset=utf-16',
];
const INVALID_UTF8 = [Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x00]), Buffer.from([0xfe, 0xff, 0x00])];

export const FAMILIES = [
  'path-escape',
  'query-escape',
  'raw-bytes',
  'content-encoding',
  'content-type',
  'framing',
  'http-1.0',
  'pipelined',
  'cut-short',
  'slow',
] as const;
export type Family = (typeof FAMILIES)[number];

interface Request {
  method: string;
  target: Buffer;
  version?: string;
  headers: [string, Buffer | string][];
  body?: Buffer;
}

const bytes = (value: Buffer | string) => (Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'));

function serialize({ method, target, version = 'HTTP/1.1', headers, body }: Request): Buffer {
  const head = [Buffer.from(`${method} `), target, Buffer.from(` ${version}\r\n`)];
  for (const [name, value] of headers) head.push(Buffer.from(`${name}: `), bytes(value), Buffer.from('\r\n'));
  return Buffer.concat([...head, Buffer.from('\r\n'), body ?? Buffer.alloc(0)]);
}

/** The operation's request with every path parameter filled (one optionally replaced by raw `override` bytes). */
function target(op: RawOperation, query: string, override?: { name: string; value: Buffer }): Buffer {
  const parts: Buffer[] = [];
  let rest = op.template;
  for (;;) {
    const open = rest.indexOf('{');
    if (open === -1) break;
    const close = rest.indexOf('}', open);
    const name = rest.slice(open + 1, close);
    parts.push(Buffer.from(rest.slice(0, open)));
    parts.push(override?.name === name ? override.value : Buffer.from(op.pathValues[name]!));
    rest = rest.slice(close + 1);
  }
  parts.push(Buffer.from(rest), Buffer.from(query));
  return Buffer.concat(parts);
}

function plain(op: RawOperation, extra: [string, Buffer | string][] = [], body: Buffer | undefined = op.body === undefined ? undefined : Buffer.from(op.body)): Request {
  const headers: [string, Buffer | string][] = [['Host', '127.0.0.1']];
  if (body !== undefined) headers.push(['Content-Type', 'application/json'], ['Content-Length', String(body.length)]);
  return { method: op.method, target: target(op, ''), headers: [...headers, ...extra], body };
}

function withHeader(request: Request, name: string, value: Buffer | string): Request {
  const headers = request.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
  return { ...request, headers: [...headers, [name, value]] };
}

function jsonBody(op: RawOperation): Buffer {
  return Buffer.from(op.body ?? '{"fuzz":true}');
}

function withBody(request: Request, body: Buffer, headers: [string, string][]): Request {
  let next = withHeader(withHeader(request, 'Content-Type', 'application/json'), 'Content-Length', String(body.length));
  for (const [name, value] of headers) next = withHeader(next, name, value);
  return { ...next, body };
}

/** A request that is hostile in one way (the family's), framed well enough that a response is due. */
function hostileRequest(rng: Random, op: RawOperation, family: Family): { request: Request; note: string } {
  const base = plain(op);
  const pathNames = Object.keys(op.pathValues);
  switch (family) {
    case 'path-escape': {
      if (pathNames.length === 0) return hostileRequest(rng, op, 'query-escape');
      const name = rng.pick(pathNames);
      const value = badEscape(rng);
      return { request: { ...base, target: target(op, '', { name, value: Buffer.from(value) }) }, note: `{${name}}=${value.slice(0, 40)}` };
    }
    case 'query-escape': {
      const names = op.queryNames.length ? op.queryNames : ['q'];
      const value = badEscape(rng);
      const query = rng.int(4) === 0 ? `?${value}=1` : `?${rng.pick(names)}=${value}`;
      return { request: { ...base, target: target(op, query) }, note: `query ${query.slice(0, 40)}` };
    }
    case 'raw-bytes': {
      const bad = rng.pick(INVALID_UTF8);
      const where = rng.pick(['path', 'query', 'header', 'authorization', 'content-type', 'body'] as const);
      const note = `${where} 0x${bad.toString('hex')}`;
      if (where === 'path' && pathNames.length) {
        return { request: { ...base, target: target(op, '', { name: rng.pick(pathNames), value: Buffer.concat([Buffer.from('a'), bad]) }) }, note };
      }
      if (where === 'path' || where === 'query') {
        return { request: { ...base, target: Buffer.concat([target(op, `?${op.queryNames[0] ?? 'q'}=`), bad]) }, note };
      }
      if (where === 'header') return { request: withHeader(base, 'X-Fuzz', Buffer.concat([Buffer.from('v'), bad])), note };
      if (where === 'authorization') return { request: withHeader(base, 'Authorization', Buffer.concat([Buffer.from('Bearer '), bad])), note };
      if (where === 'content-type') return { request: withBody(base, jsonBody(op), [['Content-Type', `application/json; charset=${bad.toString('latin1')}`]]), note };
      const json = jsonBody(op).toString('latin1');
      const quote = json.indexOf('"', 1);
      const body = quote === -1 ? Buffer.concat([Buffer.from('{"x":"'), bad, Buffer.from('"}')]) : Buffer.concat([Buffer.from(json.slice(0, quote), 'latin1'), bad, Buffer.from(json.slice(quote), 'latin1')]);
      return { request: withBody(base, body, [['Content-Type', 'application/json']]), note };
    }
    case 'content-encoding': {
      const json = jsonBody(op);
      const kind = rng.int(6);
      if (kind === 0) return { request: withBody(base, gzipSync(json), [['Content-Encoding', rng.pick(['deflate', 'br', 'x-unknown'])]]), note: 'real gzip, other Content-Encoding' };
      if (kind === 1) {
        const [body, name] = rng.pick([[gzipSync(json), 'gzip'], [deflateSync(json), 'deflate'], [brotliCompressSync(json), 'br']] as const);
        return { request: withBody(base, body, [['Content-Encoding', name]]), note: `real ${name}` };
      }
      if (kind === 2) return { request: withBody(base, gzipSync(json).subarray(0, 12), [['Content-Encoding', 'gzip']]), note: 'gzip cut short' };
      if (kind === 3) {
        const bomb = gzipSync(Buffer.concat([Buffer.from(' '.repeat(4 * 1024 * 1024)), json]));
        return { request: withBody(base, bomb, [['Content-Encoding', 'gzip']]), note: 'gzip of 4 MiB' };
      }
      const encoding = rng.pick(ENCODINGS);
      return { request: withBody(base, json, [['Content-Encoding', encoding]]), note: `plain JSON as ${encoding}` };
    }
    case 'content-type': {
      const type = rng.pick(CONTENT_TYPES);
      const json = jsonBody(op);
      const body = /utf-16/i.test(type) && rng.int(2) ? Buffer.from(json.toString('utf8'), 'utf16le') : json;
      return { request: withBody(base, body, [['Content-Type', type]]), note: `Content-Type ${type}` };
    }
    default:
      throw new Error(`not a single-request family: ${family}`);
  }
}

const WELL_FRAMED: Family[] = ['path-escape', 'query-escape', 'content-encoding', 'content-type'];

/** One exchange of `family` against an operation drawn from `rng`. */
export function rawCase(rng: Random, operations: RawOperation[], family: Family): RawCase {
  const op = rng.pick(operations);
  const one = (request: Request, label: string, extra: Partial<RawCase> = {}): RawCase => ({
    family,
    label: `${op.method} ${op.template}: ${label}`,
    steps: [serialize(request)],
    methods: [request.method],
    after: 'wait',
    timeoutMs: 10_000,
    responseDue: true,
    ...extra,
  });
  switch (family) {
    case 'path-escape':
    case 'query-escape':
    case 'raw-bytes':
    case 'content-encoding':
    case 'content-type': {
      const { request, note } = hostileRequest(rng, op, family);
      return one(request, note);
    }
    case 'framing': {
      const body = jsonBody(op);
      const base = plain(op, [], body);
      const kind = rng.int(9);
      const framed: [Request, string][] = [
        [withHeader(base, 'Transfer-Encoding', 'chunked'), 'Content-Length and Transfer-Encoding'],
        [{ ...base, headers: [...base.headers, ['Content-Length', String(body.length + 3)]] }, 'two different Content-Length'],
        [{ ...base, headers: [...base.headers, ['Content-Length', String(body.length)]] }, 'two equal Content-Length'],
        [{ ...base, headers: [...base.headers, ['Host', 'evil.example']] }, 'two Host'],
        [withHeader(base, 'X-Long', 'x'.repeat(17_000 + rng.int(40_000))), 'very long header line'],
        [withHeader(base, 'Content-Length', rng.pick(['-1', 'abc', '1e3', '99999999999999999999', '+5', '5, 6', '0x10'])), 'bad Content-Length'],
        [{ ...base, headers: [...base.headers.filter(([n]) => n !== 'Content-Length'), ['Transfer-Encoding', rng.pick(['chunked', 'gzip, chunked', 'chunked, chunked'])]], body: Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) }, 'chunked'],
        [{ ...base, headers: [...base.headers.filter(([n]) => n !== 'Content-Length'), ['Transfer-Encoding', 'chunked']], body: Buffer.from(`${rng.pick(['zz', '-1', 'ffffffffffffffffff', '1;' + 'x'.repeat(20_000)])}\r\n{}\r\n0\r\n\r\n`) }, 'bad chunk size'],
        [{ ...base, headers: base.headers.filter(([n]) => n !== 'Host') }, 'no Host'],
      ];
      const [request, label] = framed[kind]!;
      return one(request, label);
    }
    case 'http-1.0': {
      const { request, note } = hostileRequest(rng, op, rng.pick(WELL_FRAMED));
      return one({ ...request, version: 'HTTP/1.0', headers: request.headers.filter(([n]) => n !== 'Host') }, `HTTP/1.0 ${note}`);
    }
    case 'pipelined': {
      const requests = Array.from({ length: 2 + rng.int(3) }, () => {
        const other = rng.pick(operations);
        return rng.int(3) === 0 ? { request: plain(other), note: 'plain' } : hostileRequest(rng, other, rng.pick(WELL_FRAMED));
      });
      return {
        ...one(requests[0]!.request, ''),
        label: `pipelined: ${requests.map(({ request, note }) => `${request.method} ${request.target.toString('latin1').slice(0, 60)} (${note})`).join(' | ')}`,
        steps: [Buffer.concat(requests.map(({ request }) => serialize(request)))],
        methods: requests.map(({ request }) => request.method),
      };
    }
    case 'cut-short': {
      const body = jsonBody(op);
      const sent = body.subarray(0, rng.int(body.length));
      const request = withHeader(plain(op, [], body), 'Content-Length', String(body.length + 1 + rng.int(1_000)));
      const after = rng.pick(['half-close', 'wait'] as const);
      // A body that never completes is owed no answer; an early one (401, 404) is fine, a 5xx is not.
      return one({ ...request, body: sent }, `body cut short, then ${after}`, { after, timeoutMs: 300, responseDue: false });
    }
    case 'slow': {
      const { request, note } = hostileRequest(rng, op, rng.pick(WELL_FRAMED));
      const wire = serialize(request);
      const steps: RawStep[] = [];
      const pieces = 3 + rng.int(6);
      const size = Math.ceil(wire.length / pieces);
      for (let at = 0; at < wire.length; at += size) steps.push(wire.subarray(at, at + size), { pauseMs: 5 + rng.int(30) });
      return { ...one(request, `trickled in ${pieces} pieces: ${note}`), steps };
    }
  }
}
