import { HttpError } from '@platform/platform';
import type { Request } from 'express';

const DEV_APPLICATION = 'default';

export interface Caller {
  application: string;
  /** Dev mode: reads see every application. */
  seesAll: boolean;
}

const unauthenticated = (message: string) => new HttpError(401, 'unauthenticated', message, null, { 'WWW-Authenticate': 'Bearer, Basic realm="eye"' });

/** The key from `Authorization: Bearer <key>` or Basic (key as user name), or undefined when absent. */
export function keyFromHeader(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const [scheme, credentials = ''] = header.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme ?? '')) return credentials;
  if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? decoded : decoded.slice(0, colon);
  }
  return '';
}

/** The caller's application from a key (`bodyKey` for Segment's `writeKey`); 401 when missing or unknown. */
export function authenticate(writeKeys: Map<string, string> | null, req: Request, bodyKey?: unknown): Caller {
  if (writeKeys === null) return { application: DEV_APPLICATION, seesAll: true };
  const fromHeader = keyFromHeader(req);
  const key = fromHeader !== undefined ? fromHeader : typeof bodyKey === 'string' ? bodyKey : undefined;
  if (key === undefined) throw unauthenticated('A write key is required (Authorization: Bearer <key>)');
  const application = writeKeys.get(key);
  if (application === undefined) throw unauthenticated('Unknown or malformed write key');
  return { application, seesAll: false };
}
