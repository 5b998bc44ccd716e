import { HttpError } from '@platform/platform';
import type { Request } from 'express';

/** Strong validator of one version of one record; changes with `version`. */
export function itemEtag(id: string, version: number): string {
  return `"${id}-${version}"`;
}

function parseEtagList(header: string): string[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** `If-None-Match` uses the weak comparison: `W/"x"` matches `"x"`. */
export function noneMatch(req: Request, currentEtag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  const current = currentEtag.replace(/^W\//, '');
  return parseEtagList(header).some((tag) => tag === '*' || tag.replace(/^W\//, '') === current);
}

export interface IfMatch {
  any: boolean;
  /** Versions of this record named by strong ETags in `If-Match`; weak ones never match. */
  versions: number[];
}

export function parseIfMatch(req: Request, id: string): IfMatch | undefined {
  const header = req.headers['if-match'];
  if (header === undefined) return undefined;
  const tags = parseEtagList(header);
  const prefix = `"${id}-`;
  const versions: number[] = [];
  for (const tag of tags) {
    if (tag.startsWith(prefix) && tag.endsWith('"')) {
      const version = Number(tag.slice(prefix.length, -1));
      if (Number.isSafeInteger(version) && version > 0) versions.push(version);
    }
  }
  return { any: tags.includes('*'), versions };
}

export function ifMatchHolds(condition: IfMatch | undefined, version: number): boolean {
  return condition === undefined || condition.any || condition.versions.includes(version);
}

export function preconditionFailed(currentEtag: string): HttpError {
  return new HttpError(412, 'precondition_failed', 'If-Match does not name the current version', null, { ETag: currentEtag });
}
