import { z } from 'zod';

const PATH_ID = /^[1-9][0-9]{0,15}$/;

/** A path id: 1..2^53-1 in plain decimal, else the router answers 404 `<what> not found` (never 422 or 500). */
export const pathIdParam = (what: string) =>
  z
    .string()
    .regex(PATH_ID, `${what} not found`)
    .refine((value) => Number(value) <= Number.MAX_SAFE_INTEGER, `${what} not found`)
    .transform(Number)
    .meta({ description: `The ${what.toLowerCase()}'s id: 1 to 2^53-1 in plain decimal`, examples: ['42'] });
