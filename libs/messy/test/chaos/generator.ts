import { STATES } from '../../src/validation';

/** mulberry32: a small seeded PRNG, so a failing flood can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedMessage {
  username: string;
  city: string;
  state: string;
  message: string;
}

const USERS = ['fred', 'Fred', 'zoë', 'zoe\u0308', 'Ωmega', '用户', 'ユーザー', '👋 wave', 'émile', 'o\u2019brien', 'ζήτα', 'Ἀθηνᾶ', 'a\u200db'];
const CITIES = ['Springfield', 'springfield', ' SPRINGFIELD ', 'New York', 'new york', 'São Paulo', 'Zürich', 'Cafe\u0301', 'Café', 'Ōsaka', 'İzmir'];

/** Messages with unicode usernames (NFD forms included), all 51 states, city case variants. */
export function createGenerator(seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  let count = 0;
  return (): GeneratedMessage => {
    const index = count++;
    const state = index < STATES.length ? STATES[index]! : pick(STATES);
    const state_case = random() < 0.3 ? state.toLowerCase() : state;
    return {
      username: `${pick(USERS)}${Math.floor(random() * 20)}`,
      city: pick(CITIES),
      state: state_case,
      message: `chaos ${index} ${random() < 0.1 ? 'line\r\nbreak' : '👋'}`,
    };
  };
}

export interface Tallies {
  messages: number;
  users: number;
  cities: number;
  perState: Record<string, { messages: number; cities: number }>;
}

/** What the statistics must say about the given messages, computed independently of the module. */
export function tally(messages: GeneratedMessage[]): Tallies {
  const users = new Set<string>();
  const cities = new Set<string>();
  const perState: Record<string, { messages: number; cities: Set<string> }> = {};
  for (const state of STATES) perState[state] = { messages: 0, cities: new Set() };
  for (const m of messages) {
    const state = m.state.toUpperCase();
    const cityKey = m.city.normalize('NFC').trim().toLowerCase();
    users.add(m.username.normalize('NFC').trim());
    cities.add(`${state}|${cityKey}`);
    perState[state]!.messages++;
    perState[state]!.cities.add(cityKey);
  }
  return {
    messages: messages.length,
    users: users.size,
    cities: cities.size,
    perState: Object.fromEntries(Object.entries(perState).map(([state, s]) => [state, { messages: s.messages, cities: s.cities.size }])),
  };
}
