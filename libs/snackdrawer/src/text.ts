/** Text rules of the spec: lengths in Unicode code points, values kept exactly as sent. */

// U+0000–U+001F and U+007F–U+009F, the Unicode general category Cc.
const CONTROL = /\p{Cc}/u;
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;

export function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

export function usernameProblem(value: string): string | undefined {
  const length = codePoints(value);
  if (length < 3 || length > 64) return 'username must be 3-64 characters';
  if (WHITESPACE_OR_CONTROL.test(value)) return 'username must not contain whitespace or control characters';
  return undefined;
}

export function passwordProblem(value: string): string | undefined {
  const length = codePoints(value);
  if (length < 8 || length > 256) return 'password must be 8-256 characters';
  return undefined;
}

/** Snack and drawer names. */
export function nameProblem(value: string): string | undefined {
  const length = codePoints(value);
  if (length < 1 || length > 64) return 'name must be 1-64 characters';
  if (value.trim() === '') return 'name must not be only whitespace';
  if (CONTROL.test(value)) return 'name must not contain control characters';
  return undefined;
}
