import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/canonical-json';
import { validateEnvelope } from '../src/envelope';
import { compileSchema } from '../src/event-types';
import { dedupKeyOf } from '../src/ingest';
import { parseWriteKeys } from '../src/config';

const valid = { session_id: 's', category: 'c', name: 'n', data: {}, timestamp: '2021-01-01 09:15:27.243860' };
const paths = (value: unknown) => {
  const result = validateEnvelope(value);
  return result.ok ? [] : result.details.map((detail) => detail.path);
};

describe('envelope', () => {
  it('accepts exactly the envelope fields', () => {
    expect(validateEnvelope(valid).ok).toBe(true);
    expect(validateEnvelope({ ...valid, event_id: null }).ok).toBe(true);
    expect(paths({ ...valid, extra: 1, other: 2 })).toEqual(['extra', 'other']);
    expect(paths(null)).toEqual(['']);
    expect(paths({})).toEqual(['session_id', 'category', 'name', 'data', 'timestamp']);
  });

  it('checks lengths, blank names, data shape and depth, and unstorable strings', () => {
    expect(paths({ ...valid, session_id: 'x'.repeat(129) })).toEqual(['session_id']);
    expect(paths({ ...valid, session_id: '😀'.repeat(128) })).toEqual([]);
    expect(paths({ ...valid, category: '   ' })).toEqual(['category']);
    expect(paths({ ...valid, name: '' })).toEqual(['name']);
    expect(paths({ ...valid, event_id: 'x'.repeat(65) })).toEqual(['event_id']);
    expect(paths({ ...valid, data: [] })).toEqual(['data']);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 31; i++) deep = (deep.a = {}) as Record<string, unknown>;
    expect(paths({ ...valid, data: root })).toEqual([]);
    deep.a = {};
    expect(paths({ ...valid, data: root })).toEqual(['data']);
    expect(paths({ ...valid, data: { list: ['ok', 'bad\u0000'] } })).toEqual(['data.list.1']);
    expect(paths({ ...valid, data: { ['\uD800key']: 1 } })).toEqual(['data.\uD800key']);
    expect(paths({ ...valid, data: { pair: '😀' } })).toEqual([]);
  });

  it('survives absurd nesting without exhausting the stack', () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(paths({ ...valid, data: { deep: JSON.parse(text) } })).toEqual(['data']);
  });
});

describe('canonical JSON and fingerprints', () => {
  it('ignores key order and whitespace (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (data) => {
        const reversed = Object.fromEntries(Object.entries(data).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(data));
        expect(JSON.parse(canonicalJson(data))).toEqual(JSON.parse(JSON.stringify(data)));
      }),
    );
  });

  it('keys ids and fingerprints apart; equal events in other zones share a fingerprint', () => {
    const a = validateEnvelope({ ...valid, data: { x: 1, y: 2 } });
    const b = validateEnvelope({ ...valid, data: { y: 2, x: 1 }, timestamp: '2021-01-01T10:15:27.24386+01:00' });
    const c = validateEnvelope({ ...valid, event_id: 'abc' });
    if (!a.ok || !b.ok || !c.ok) throw new Error('fixtures must be valid');
    expect(dedupKeyOf(a.envelope)).toBe(dedupKeyOf(b.envelope));
    expect(dedupKeyOf(a.envelope)).toMatch(/^fp:[0-9a-f]{64}$/);
    expect(dedupKeyOf(c.envelope)).toBe('id:abc');
  });
});

describe('schemas and configuration', () => {
  it('compiles draft-07 by default with formats, and names failing paths from the event root', () => {
    const compiled = compileSchema({ type: 'object', required: ['when'], properties: { when: { type: 'string', format: 'date-time' }, list: { type: 'array', items: { type: 'integer' } } } });
    if (!compiled.ok) throw new Error('must compile');
    expect(compiled.validate({ when: '2021-01-01T00:00:00Z' })).toEqual([]);
    expect(compiled.validate({ list: [1, 'x'] }).map((detail) => detail.path).sort()).toEqual(['data.list.1', 'data.when']);
    expect(compileSchema({ $ref: 'http://example.com/remote.json' }).ok).toBe(false);
  });

  it('parses EYE_WRITE_KEYS and refuses a malformed value with one line', () => {
    expect(parseWriteKeys(undefined)).toBeNull();
    expect(parseWriteKeys(' ')).toBeNull();
    expect([...parseWriteKeys('web:k1,mobile:k2,web:k3')!]).toEqual([['k1', 'web'], ['k2', 'mobile'], ['k3', 'web']]);
    for (const bad of ['web', 'we b:k', ':k', 'web:', 'a:k,b:k']) expect(() => parseWriteKeys(bad), bad).toThrow(/EYE_WRITE_KEYS/);
  });
});
