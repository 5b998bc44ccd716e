import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { CachedResponse } from './cache';
import { noneMatch } from './preconditions';
import { JSON_TYPE } from './wire';

/** Writes a stored (or fresh) response; a GET whose `If-None-Match` matches its ETag gets a 304. */
export function send(req: Request, res: Response, response: CachedResponse): void {
  const etag = response.headers.ETag;
  if ((req.method === 'GET' || req.method === 'HEAD') && response.status === 200 && etag && noneMatch(req, etag)) {
    res.statusCode = 304;
    res.setHeader('ETag', etag);
    const cacheControl = response.headers['Cache-Control'];
    if (cacheControl) res.setHeader('Cache-Control', cacheControl);
    res.end();
    return;
  }
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (!response.headers['Content-Type']) res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(response.body));
  res.end(response.body);
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): CachedResponse {
  return { status, headers, body: JSON.stringify(value) };
}

/** `W/"<hash of the body>"` for lists. */
export function weakEtag(body: string): string {
  return `W/"${createHash('sha1').update(body).digest('base64url')}"`;
}

export function cacheKeyPart(value: string): string {
  return createHash('sha1').update(value).digest('base64url');
}
