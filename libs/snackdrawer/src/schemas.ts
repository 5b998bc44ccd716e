import { z } from 'zod';
import { codePoints, nameProblem, passwordProblem, usernameProblem } from './text';

function rule(check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const loginString = z.string().refine((value) => {
  const length = codePoints(value);
  return length >= 1 && length <= 256;
}, 'must be 1-256 characters');

export const id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const quantity = z.number().int().min(1).max(1000);
const name = rule(nameProblem);

export const signUpBody = z.strictObject({ username: rule(usernameProblem), password: rule(passwordProblem) });
export const loginBody = z.strictObject({ username: loginString, password: loginString });
export const nameBody = z.strictObject({ name });
export const addSnackBody = z.strictObject({ snack: id, quantity: quantity.optional() });
export const quantityBody = z.strictObject({ quantity });

const CURSOR = /^[A-Za-z0-9_-]{1,32}$/;

/** Opaque cursor: the last id of the previous page, base64url-encoded. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`after:${lastId}`).toString('base64url');
}

export const pageQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'limit must be an integer 1-500')
    .transform(Number)
    .pipe(z.number().max(500, 'limit must be an integer 1-500'))
    .optional(),
  cursor: z
    .string()
    .transform((value, ctx) => {
      const decoded = CURSOR.test(value) ? /^after:([1-9][0-9]{0,15})$/.exec(Buffer.from(value, 'base64url').toString('utf8')) : null;
      const after = decoded ? Number(decoded[1]) : NaN;
      if (!Number.isSafeInteger(after) || encodeCursor(after) !== value) {
        ctx.addIssue({ code: 'custom', message: 'cursor is not one this API issued' });
        return z.NEVER;
      }
      return after;
    })
    .optional(),
});

const named = z.object({ id: z.number(), name: z.string() });
const drawer = named.extend({ contents: z.array(named.extend({ quantity: z.number() })) });

export const responses = {
  user: z.object({ id: z.number(), username: z.string() }),
  me: z.object({ id: z.number(), username: z.string(), role: z.enum(['user', 'admin']) }),
  token: z.object({ token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number() }),
  snacks: z.object({ snacks: z.array(named) }),
  snack: z.object({ snack: named }),
  drawers: z.object({ drawers: z.array(named) }),
  drawer: z.object({ drawer }),
  added: z.object({ message: z.literal('snack added to drawer'), drawer }),
};
