/** The write rules of every messy endpoint (spec §3): pure functions, no I/O. */

export const STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS',
  'KY', 'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC',
  'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
] as const;
export type StateCode = (typeof STATES)[number];
const STATE_SET: ReadonlySet<string> = new Set(STATES);

export const FIELDS = ['username', 'city', 'state', 'message'] as const;
export type Field = (typeof FIELDS)[number];

export const MAX_LENGTH: Record<Exclude<Field, 'state'>, number> = { username: 64, city: 64, message: 1000 };

/** A message as the client sent it, once normalised and checked. */
export interface MessageInput {
  username: string;
  city: string;
  state: StateCode;
  message: string;
}

export interface FieldError {
  path: string;
  message: string;
  code: string;
}

/** A raw field: a string, or `invalid_utf8` when its bytes were not UTF-8, or `duplicate` when given twice. */
export type RawValue = string | { invalid: 'invalid_utf8' | 'duplicate' } | undefined | unknown;

// With the u flag a surrogate class matches only unpaired halves.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
// Unicode Cc: C0, DEL and C1; matching control characters is the point here.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_NL_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;

export function isStateCode(value: string): value is StateCode {
  return STATE_SET.has(value);
}

export function codePointLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Normalises one field; returns the stored value or the reason it is refused. */
export function normalizeField(field: Field, raw: RawValue): { value: string } | { error: Omit<FieldError, 'path'> } {
  if (raw === undefined || raw === null) return { error: { code: 'required', message: `${field} is required` } };
  if (typeof raw === 'object' && 'invalid' in raw) {
    return raw.invalid === 'duplicate'
      ? { error: { code: 'duplicate_field', message: `${field} is given more than once` } }
      : { error: { code: 'invalid_utf8', message: `${field} is not valid UTF-8` } };
  }
  if (typeof raw !== 'string') return { error: { code: 'invalid_type', message: `${field} must be a string` } };
  if (LONE_SURROGATE.test(raw)) return { error: { code: 'invalid_utf8', message: `${field} contains a lone surrogate` } };
  let value = field === 'message' ? raw.replaceAll('\r\n', '\n') : raw;
  value = value.normalize('NFC').trim();
  if (value.length === 0) return { error: { code: 'too_small', message: `${field} must not be empty` } };
  if ((field === 'message' ? CONTROL_EXCEPT_NL_TAB : CONTROL).test(value)) {
    return { error: { code: 'control_character', message: `${field} contains a control character` } };
  }
  if (field === 'state') {
    const upper = value.toUpperCase();
    if (!isStateCode(upper)) return { error: { code: 'invalid_state', message: 'state must be a USPS code of the 50 states or DC' } };
    return { value: upper };
  }
  const max = MAX_LENGTH[field];
  if (codePointLength(value) > max) return { error: { code: 'too_big', message: `${field} must be at most ${max} characters` } };
  return { value };
}

/** Validates the four fields of one message; `prefix` is `messages.3.` inside a batch. */
export function validateMessage(
  input: Record<string, RawValue>,
  prefix = '',
): { message: MessageInput; errors?: undefined } | { errors: FieldError[]; message?: undefined } {
  const values: Partial<Record<Field, string>> = {};
  const errors: FieldError[] = [];
  for (const field of FIELDS) {
    const result = normalizeField(field, input[field]);
    if ('error' in result) errors.push({ path: prefix + field, ...result.error });
    else values[field] = result.value;
  }
  if (errors.length) return { errors };
  return { message: values as unknown as MessageInput };
}

/** The key distinct cities are counted by: NFC, trimmed, lower-cased without a locale. */
export function cityKey(city: string): string {
  return city.toLowerCase();
}
