import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { unsupportedContentEncoding } from '@platform/platform';
import type { Request } from 'express';

/** The codings the kernel's JSON parser (body-parser) reads, so every eye body takes the same ones; x-gzip is gzip (RFC 9110). */
const DECODERS = new Map<string, () => Transform>([
  ['gzip', createGunzip],
  ['x-gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/** A decoder for the request's `Content-Encoding`, none for identity; 415 for a coding eye cannot read. */
export function decoderOf(req: Request): { coding: string; decoder: Transform } | undefined {
  const header = req.headers['content-encoding'];
  const coding = header?.trim().toLowerCase();
  if (coding === undefined || coding === '' || coding === 'identity') return undefined;
  const create = DECODERS.get(coding);
  if (!create) throw unsupportedContentEncoding(header!);
  return { coding, decoder: create() };
}
