import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src';

describe('redactUrl', () => {
  it('removes capability tokens from paths and secrets from query strings', () => {
    const token = 'Q2FwYWJpbGl0eS10b2tlbi1vZi00My1jaGFyYWN0ZXJz_-x';
    expect(redactUrl(`/santa/g/${token}`)).toBe('/santa/g/[redacted]');
    expect(redactUrl(`/santa/g/${token}/admin?x=1`)).toBe('/santa/g/[redacted]/admin?x=1');
    expect(redactUrl('/a?token=abc&page=2&writeKey=k1')).toBe('/a?token=[redacted]&page=2&writeKey=[redacted]');
  });

  it('keeps ordinary ids readable', () => {
    expect(redactUrl('/eye/errors/0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('/eye/errors/0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(redactUrl('/snackdrawer/drawers/42')).toBe('/snackdrawer/drawers/42');
  });
});
