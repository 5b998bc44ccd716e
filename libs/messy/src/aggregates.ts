/** Pre-aggregation of one worker batch (pure): one upsert row per key, keys in a fixed order. */

export interface InsertedRow {
  username: string;
  city: string;
  city_key: string;
  state: string;
  created_at: Date;
}

export interface BatchAggregates {
  users: { username: string; messages: number }[];
  cities: { state: string; city_key: string; city: string; messages: number }[];
  states: { state: string; messages: number }[];
  seconds: { bucket: Date; messages: number }[];
}

// Every worker sorts the same way, so concurrent transactions lock counter rows in the same order.
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function aggregateBatch(rows: InsertedRow[]): BatchAggregates {
  const users = new Map<string, number>();
  const cities = new Map<string, { state: string; city_key: string; city: string; messages: number }>();
  const states = new Map<string, number>();
  const seconds = new Map<number, number>();
  for (const row of rows) {
    users.set(row.username, (users.get(row.username) ?? 0) + 1);
    const cityId = `${row.state}\u0000${row.city_key}`;
    const city = cities.get(cityId);
    if (city) city.messages++;
    else cities.set(cityId, { state: row.state, city_key: row.city_key, city: row.city, messages: 1 });
    states.set(row.state, (states.get(row.state) ?? 0) + 1);
    const bucket = Math.floor(row.created_at.getTime() / 1000) * 1000;
    seconds.set(bucket, (seconds.get(bucket) ?? 0) + 1);
  }
  return {
    users: [...users].sort(([a], [b]) => byKey(a, b)).map(([username, messages]) => ({ username, messages })),
    cities: [...cities].sort(([a], [b]) => byKey(a, b)).map(([, city]) => city),
    states: [...states].sort(([a], [b]) => byKey(a, b)).map(([state, messages]) => ({ state, messages })),
    seconds: [...seconds].sort(([a], [b]) => a - b).map(([bucket, messages]) => ({ bucket: new Date(bucket), messages })),
  };
}
