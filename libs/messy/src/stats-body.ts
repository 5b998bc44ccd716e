import { createHash } from 'node:crypto';
import type { SnapshotFigures } from './repository';
import { STATES } from './validation';

const SORTED_STATES = [...STATES].sort();

/** The stored form of a snapshot: every figure, without the `stale` flag decided at serve time. */
export interface Snapshot {
  generatedAtMs: number;
  figures: Omit<StatsBody, 'stale'>;
}

export interface StatsBody {
  result: 'success';
  cities: number;
  users: number;
  messages: number;
  generated_at: string;
  stale: boolean;
  per_state: Record<string, { messages: number; cities: number }>;
  top_cities: { state: string; city: string; messages: number }[];
  top_users: { username: string; messages: number }[];
  last_minute: number;
  last_hour: number;
}

export function snapshotFromFigures(figures: SnapshotFigures): Snapshot {
  const perState = Object.fromEntries(SORTED_STATES.map((state) => [state, { messages: 0, cities: 0 }]));
  for (const row of figures.perState) perState[row.state] = { messages: row.messages, cities: row.cities };
  return {
    generatedAtMs: figures.generatedAt.getTime(),
    figures: {
      result: 'success',
      cities: figures.cities,
      users: figures.users,
      messages: figures.messages,
      generated_at: figures.generatedAt.toISOString(),
      per_state: perState,
      top_cities: figures.topCities,
      top_users: figures.topUsers,
      last_minute: figures.lastMinute,
      last_hour: figures.lastHour,
    },
  };
}

export interface RenderedStats {
  json: string;
  etag: string;
}

/** The response bytes and their strong ETag (a hash of exactly those bytes). */
export function renderStats(snapshot: Snapshot, stale: boolean): RenderedStats {
  const { figures } = snapshot;
  const body: StatsBody = {
    result: figures.result,
    cities: figures.cities,
    users: figures.users,
    messages: figures.messages,
    generated_at: figures.generated_at,
    stale,
    per_state: figures.per_state,
    top_cities: figures.top_cities,
    top_users: figures.top_users,
    last_minute: figures.last_minute,
    last_hour: figures.last_hour,
  };
  const json = JSON.stringify(body);
  return { json, etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"` };
}

/** `If-None-Match`: a list of tags, weak (`W/`) ones compared weakly, and `*`. */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || (tag.startsWith('W/') ? tag.slice(2) : tag) === etag;
  });
}
