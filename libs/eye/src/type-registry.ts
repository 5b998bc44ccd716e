import { canonicalJson } from './canonical-json';
import { BUILTIN_TYPES, builtinType, compileSchema, isExactBuiltin, type DataValidator } from './event-types';
import type { EventTypeView } from './records';
import type { RegisteredTypeRow, Repository } from './repository';

/** How long another replica may serve a superseded schema: the spec allows 1 s. */
const CACHE_TTL_MS = 500;

interface ResolvedType {
  version: number | null;
  validate: DataValidator;
}

interface CachedTypes {
  loadedAt: number;
  types: Map<string, RegisteredTypeRow>;
}

const typeKey = (category: string, name: string) => `${category}\u0000${name}`;

/**
 * Resolves the type of an event (the application's latest registered version, else the built-in, else the
 * Segment built-in) from a short-lived per-application cache, so the request path queries at most twice a second.
 */
export function createTypeRegistry(repository: Repository) {
  const cache = new Map<string, CachedTypes>();
  const loading = new Map<string, Promise<CachedTypes>>();
  /** Bumped by each registration: a load begun before it must neither be shared nor cached afterwards. */
  const generations = new Map<string, number>();
  const compiled = new Map<string, DataValidator>();

  const load = (application: string): Promise<CachedTypes> => {
    const cached = cache.get(application);
    if (cached && Date.now() - cached.loadedAt < CACHE_TTL_MS) return Promise.resolve(cached);
    const pending = loading.get(application);
    if (pending) return pending;
    const generation = generations.get(application) ?? 0;
    const started: Promise<CachedTypes> = repository
      .currentTypes(application)
      .then((rows) => {
        const entry = { loadedAt: Date.now(), types: new Map(rows.map((row) => [typeKey(row.category, row.name), row])) };
        if ((generations.get(application) ?? 0) === generation) cache.set(application, entry);
        return entry;
      })
      .finally(() => {
        if (loading.get(application) === started) loading.delete(application);
      });
    loading.set(application, started);
    return started;
  };

  /** After a registration: events from now on see the new version on this replica. */
  const forget = (application: string): void => {
    generations.set(application, (generations.get(application) ?? 0) + 1);
    cache.delete(application);
    loading.delete(application);
  };

  const validatorFor = (application: string, row: RegisteredTypeRow): DataValidator => {
    const key = `${application}\u0000${typeKey(row.category, row.name)}\u0000${row.version}`;
    let validate = compiled.get(key);
    if (!validate) {
      const result = compileSchema(row.schema);
      // A stored schema compiled when it was registered; should ajv change its mind, nothing passes.
      validate = result.ok ? result.validate : () => [{ path: 'data', message: 'The registered schema no longer compiles' }];
      compiled.set(key, validate);
    }
    return validate;
  };

  return {
    async resolve(application: string, category: string, name: string): Promise<ResolvedType | undefined> {
      const { types } = await load(application);
      const registered = types.get(typeKey(category, name));
      if (registered) return { version: registered.version, validate: validatorFor(application, registered) };
      const builtin = builtinType(category, name);
      return builtin && { version: 1, validate: builtin.validate };
    },

    /** Current version of every type the application can use, built-ins included, by category then name. */
    async list(application: string): Promise<EventTypeView[]> {
      const rows = await repository.currentTypes(application);
      const registered = new Map(rows.map((row) => [typeKey(row.category, row.name), row]));
      const views: EventTypeView[] = BUILTIN_TYPES.filter((type) => !registered.has(typeKey(type.category, type.name))).map(builtinView);
      views.push(...rows.map(registeredView));
      return views.sort((a, b) => compareText(a.category, b.category) || compareText(a.name, b.name));
    },

    async get(application: string, category: string, name: string): Promise<(EventTypeView & { versions: { version: number; created_at: string | null }[] }) | undefined> {
      const rows = await repository.typeVersions(application, category, name);
      const builtin = BUILTIN_TYPES.find((type) => type.category === category && type.name === name);
      const versions: { version: number; created_at: string | null }[] = builtin ? [{ version: 1, created_at: null }] : [];
      versions.push(...rows.map((row) => ({ version: row.version, created_at: row.created_at })));
      const latest = rows.at(-1);
      if (latest) return { ...registeredView(latest), versions };
      return builtin && { ...builtinView(builtin), versions };
    },

    /** Creates the next version unless the schema equals the current one; retried when a concurrent PUT wins. */
    async register(
      application: string,
      category: string,
      name: string,
      schema: Record<string, unknown>,
      description: string | null,
    ): Promise<{ created: boolean; type: EventTypeView }> {
      for (;;) {
        const rows = await repository.typeVersions(application, category, name);
        const latest = rows.at(-1);
        const builtin = BUILTIN_TYPES.find((type) => type.category === category && type.name === name);
        const currentSchema = latest?.schema ?? builtin?.jsonSchema;
        if (currentSchema !== undefined && canonicalJson(currentSchema) === canonicalJson(schema)) {
          return { created: false, type: latest ? registeredView(latest) : builtinView(builtin!) };
        }
        const version = latest ? latest.version + 1 : isExactBuiltin(category, name) ? 2 : 1;
        if (await repository.insertTypeVersion({ application, category, name, version, schema, description })) {
          forget(application);
          const created = (await repository.typeVersions(application, category, name)).find((row) => row.version === version)!;
          return { created: true, type: registeredView(created) };
        }
      }
    },
  };
}

export type TypeRegistry = ReturnType<typeof createTypeRegistry>;

function builtinView(type: (typeof BUILTIN_TYPES)[number]): EventTypeView {
  return { category: type.category, name: type.name, version: 1, source: 'builtin', schema: type.jsonSchema, description: null, created_at: null };
}

function registeredView(row: RegisteredTypeRow): EventTypeView {
  return { category: row.category, name: row.name, version: row.version, source: 'registered', schema: row.schema, description: row.description, created_at: row.created_at };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
