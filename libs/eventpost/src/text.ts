import { z } from 'zod';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Length in Unicode code points, so that an emoji counts as one character. */
export function codePointLength(value: string): number {
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    length++;
  }
  return length;
}

export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/**
 * A string field of `min`–`max` code points that Postgres can store (no U+0000, no lone surrogate).
 * One issue per field, so `details` holds one entry per failing field.
 */
export function text(min: number, max: number, options: { notBlank?: boolean } = {}) {
  return z.string().superRefine((value, ctx) => {
    if (!isStorableText(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be well-formed Unicode without U+0000' });
      return;
    }
    const length = codePointLength(value);
    if (length < min || length > max) {
      ctx.addIssue({ code: 'custom', message: `must be ${min}–${max} characters long (got ${length})` });
      return;
    }
    if (options.notBlank && value.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be only whitespace' });
  });
}

/** An optional string whose absence or `null` means `""`. */
export function optionalText(max: number) {
  return text(0, max)
    .nullish()
    .transform((value) => value ?? '');
}
