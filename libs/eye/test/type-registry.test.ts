import { describe, expect, it } from 'vitest';
import type { RegisteredTypeRow, Repository } from '../src/repository';
import { createTypeRegistry } from '../src/type-registry';

/** An in-memory repository whose next `currentTypes` read can be held: it reads now and answers on release. */
function fakeRepository() {
  const rows: RegisteredTypeRow[] = [];
  let held: (() => void)[] | undefined;
  const repository = {
    async currentTypes() {
      const snapshot = [...rows];
      if (held) await new Promise<void>((resolve) => held!.push(resolve));
      return snapshot;
    },
    async typeVersions(_application: string, category: string, name: string) {
      return rows.filter((row) => row.category === category && row.name === name);
    },
    async insertTypeVersion(row: { category: string; name: string; version: number; schema: unknown; description: string | null }) {
      rows.push({ ...row, schema: row.schema as Record<string, unknown>, created_at: '2026-01-01T00:00:00.000000Z' });
      return true;
    },
  };
  return {
    repository: repository as unknown as Repository,
    hold: () => {
      held = [];
    },
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const resolve of waiting) resolve();
    },
  };
}

describe('type registry cache', () => {
  it('applies a registration to every resolve after the answer, even with a load in flight across it', async () => {
    const fake = fakeRepository();
    const registry = createTypeRegistry(fake.repository);
    fake.hold();
    // Begun before the registration: it read the table without the new type.
    const before = registry.resolve('app', 'page interaction', 'hover');

    const { created } = await registry.register('app', 'page interaction', 'hover', { type: 'object' }, null);
    expect(created).toBe(true);
    const after = registry.resolve('app', 'page interaction', 'hover');
    fake.release();

    expect(await before).toBeUndefined();
    expect((await after)?.version).toBe(1);
    // The stale read was not cached either.
    expect((await registry.resolve('app', 'page interaction', 'hover'))?.version).toBe(1);
  });
});
