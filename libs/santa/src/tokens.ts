import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const INVITE_CODE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A capability: 32 random bytes, base64url without padding. Only its SHA-256 is ever stored. */
export function mintToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function newInviteCode(): string {
  return randomBytes(16).toString('base64url');
}
