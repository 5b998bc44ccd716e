import type { RawValue } from './validation';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/**
 * Decodes `application/x-www-form-urlencoded` (a query string or a form body) strictly: `+` is a space,
 * a name given twice is marked `duplicate`, and percent-decoded bytes that are not UTF-8 are marked
 * `invalid_utf8` rather than replaced with U+FFFD as `querystring` and `URLSearchParams` do.
 */
export function decodeUrlEncoded(input: string): Record<string, RawValue> {
  const fields: Record<string, RawValue> = {};
  if (input.length === 0) return fields;
  for (const pair of input.split('&')) {
    if (pair.length === 0) continue;
    const equals = pair.indexOf('=');
    const name = decodeComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = decodeComponent(equals === -1 ? '' : pair.slice(equals + 1));
    if (typeof name !== 'string') continue;
    fields[name] = Object.hasOwn(fields, name) ? { invalid: 'duplicate' } : value;
  }
  return fields;
}

function decodeComponent(component: string): string | { invalid: 'invalid_utf8' } {
  const text = component.replaceAll('+', ' ');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && HEX_PAIR.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    const codePoint = text.codePointAt(i)!;
    // The input is a byte string (a raw request line or a latin1-read body): each char below 256 is a byte.
    if (codePoint < 0x100) bytes.push(codePoint);
    else {
      bytes.push(...Buffer.from(String.fromCodePoint(codePoint), 'utf8'));
      if (codePoint > 0xffff) i++;
    }
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return { invalid: 'invalid_utf8' };
  }
}
