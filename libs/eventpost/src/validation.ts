import { zodDetails, type ValidationDetail } from '@platform/platform';
import type { z } from 'zod';

export type Validated<T> = { ok: true; data: T } | { ok: false; details: ValidationDetail[] };

export function validate<S extends z.ZodType>(schema: S, value: unknown): Validated<z.infer<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, details: zodDetails(result.error).map((detail) => ({ ...detail, in: 'body' })) };
}

/** RFC 7396 on a flat record: present keys replace, `null` removes (so the default, or "required", applies). */
export function mergePatch(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export const ID = /^[0-9a-f]{24}$/;
