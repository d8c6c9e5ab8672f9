import type { ValidateFunction } from 'ajv';
import { PlazaError } from '../core/errors.js';
import { type Migration, migrate } from '../core/migrate.js';
import type { StateStore } from '../ports/state.js';
import { catalogue, type JsonSchema } from './catalogue/index.js';
import { SchemaCompiler } from './compiler.js';

/** Project id of schemas that apply to every project: the built-in catalogue and global registrations. */
export const ALL_PROJECTS = '*';

export const schemaMigrations: Migration[] = [
  {
    id: 'schemas/001_event_schemas',
    sql: `CREATE TABLE IF NOT EXISTS event_schemas (
      project_id text NOT NULL,
      event_type text NOT NULL,
      version integer NOT NULL CHECK (version > 0),
      schema jsonb NOT NULL,
      description text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, event_type, version)
    )`,
  },
];

export interface SchemaEntry {
  /** The owning project, or ALL_PROJECTS. */
  projectId: string;
  eventType: string;
  version: number;
  description: string | null;
  /** Deep-frozen: entries are shared by every caller. */
  schema: JsonSchema;
  builtIn: boolean;
  /** null for built-in entries, which live in code rather than in the store. */
  createdAt: string | null;
}

export interface CompiledSchema {
  readonly entry: SchemaEntry;
  readonly validate: ValidateFunction;
}

/** The versions of one event type as one project sees them. */
export interface EventTypeSchemas {
  readonly latest: CompiledSchema;
  readonly versions: ReadonlyMap<number, CompiledSchema>;
}

export interface RegisteredSchema {
  eventType: string;
  version: number;
  /** false when the schema equals the latest version already visible to the project (nothing was stored). */
  created: boolean;
}

export interface SchemaRegistryOptions {
  /** How often to pick up schemas registered by other processes sharing the store; 0 disables. Default 5 s. */
  refreshMs?: number;
}

type VersionMap = Map<number, CompiledSchema>;
type TypeMap = Map<string, VersionMap>;

interface SchemaRow {
  project_id: string;
  event_type: string;
  version: number;
  schema: unknown;
  description: string | null;
  created_at: Date | string;
}

const MAX_NAME = 200;

/**
 * Versioned event schemas per project, kept in the state store and held in memory as compiled validators so
 * that validating an event never waits on I/O.
 *
 * A project sees the built-in catalogue, the global registrations and its own registrations; for the same
 * event type and version, its own win. Versions only ever grow, so an event that names a version keeps
 * validating against exactly that version. Rows are never modified nor deleted, which is what lets each
 * process cache them and refresh by only adding what it has not seen.
 */
export class SchemaRegistry {
  private readonly compiler = new SchemaCompiler();
  /** Stored (non built-in) schemas by project id, then event type, then version. */
  private readonly stored = new Map<string, TypeMap>();
  /** Per-project merged view, built lazily; dropped whenever what a project sees changes. */
  private readonly views = new Map<string, Map<string, EventTypeSchemas>>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly issues: string[] = [];

  private constructor(private readonly state: StateStore) {}

  static async open(state: StateStore, options: SchemaRegistryOptions = {}): Promise<SchemaRegistry> {
    await migrate(state, schemaMigrations);
    const registry = new SchemaRegistry(state);
    await registry.reload();
    const refreshMs = options.refreshMs ?? 5000;
    if (refreshMs > 0) {
      registry.timer = setInterval(() => {
        // A failed refresh keeps the schemas already loaded; the next tick tries again.
        registry.reload().catch((err: unknown) => registry.note(`refresh failed: ${String(err)}`));
      }, refreshMs);
      registry.timer.unref();
    }
    return registry;
  }

  /** Problems met while loading stored schemas (rows that no longer compile, failed refreshes); newest last. */
  get loadIssues(): readonly string[] {
    return this.issues;
  }

  /** Picks up schemas registered since the last load, by this or any other process sharing the store. */
  reload(): Promise<void> {
    this.inFlight ??= this.loadNew().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
  }

  /**
   * Registers a new version of `eventType` for `projectId` (ALL_PROJECTS for every project) and returns its
   * number: one more than the highest version the project sees. Registering the schema that already is the
   * latest version returns that version instead, so deploy scripts can register at every start.
   */
  async register(
    projectId: string,
    eventType: string,
    schema: unknown,
    description?: string,
  ): Promise<RegisteredSchema> {
    checkName('project id', projectId, 'invalid_project');
    checkName('event type', eventType, 'invalid_event_type');
    const validate = this.compiler.compile(schema, JSON.stringify(eventType));
    // What is stored is the JSON of the schema, so keep exactly that (no undefined, Dates become strings).
    const frozen = deepFreeze(JSON.parse(JSON.stringify(schema)) as JsonSchema);
    const desc = description ?? (typeof frozen['description'] === 'string' ? frozen['description'] : null);
    const wanted = canonicalJson(frozen);

    // The version is decided from the store, not the cache, so two processes cannot hand out the same one;
    // if they race anyway, the primary key turns the loser's insert into a retry.
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = await this.state.transaction(async (tx) => {
        const rows = await tx.query<{ project_id: string; version: number; schema: unknown }>(
          'SELECT project_id, version, schema FROM event_schemas WHERE event_type = $1 AND project_id IN ($2, $3)',
          [eventType, projectId, ALL_PROJECTS],
        );
        const visible = new Map<number, unknown>();
        for (const [v, c] of builtIns().get(eventType) ?? []) visible.set(v, c.entry.schema);
        for (const r of rows) if (r.project_id === ALL_PROJECTS) visible.set(r.version, r.schema);
        for (const r of rows) if (r.project_id === projectId) visible.set(r.version, r.schema);
        const latest = visible.size === 0 ? 0 : Math.max(...visible.keys());
        if (latest > 0 && canonicalJson(visible.get(latest)) === wanted)
          return { version: latest, createdAt: null };
        const inserted = await tx.query<{ created_at: Date | string }>(
          `INSERT INTO event_schemas (project_id, event_type, version, schema, description)
           VALUES ($1, $2, $3, $4::jsonb, $5)
           ON CONFLICT DO NOTHING RETURNING created_at`,
          [projectId, eventType, latest + 1, JSON.stringify(frozen), desc],
        );
        const row = inserted[0];
        return row === undefined ? null : { version: latest + 1, createdAt: toIso(row.created_at) };
      });
      if (outcome === null) continue;
      if (outcome.createdAt === null) {
        // Unchanged schema; the existing version may come from another process and not be cached yet.
        if (this.lookup(projectId, eventType)?.versions.has(outcome.version) !== true) await this.reload();
        return { eventType, version: outcome.version, created: false };
      }
      this.add({
        entry: {
          projectId,
          eventType,
          version: outcome.version,
          description: desc,
          schema: frozen,
          builtIn: false,
          createdAt: outcome.createdAt,
        },
        validate,
      });
      return { eventType, version: outcome.version, created: true };
    }
    throw new PlazaError(
      'schema_conflict',
      `Could not register ${JSON.stringify(eventType)}: other registrations kept taking the next version; retry`,
      409,
    );
  }

  /** Every schema version the project sees, by event type then version. */
  list(projectId: string): SchemaEntry[] {
    const view = this.view(projectId);
    const out: SchemaEntry[] = [];
    for (const type of [...view.keys()].sort()) {
      const versions = view.get(type)!.versions;
      for (const v of [...versions.keys()].sort((a, b) => a - b)) out.push(versions.get(v)!.entry);
    }
    return out;
  }

  /** One version (the latest when omitted) of an event type as the project sees it, or null. */
  get(projectId: string, eventType: string, version?: number): SchemaEntry | null {
    const schemas = this.lookup(projectId, eventType);
    if (schemas === undefined) return null;
    if (version === undefined) return schemas.latest.entry;
    return schemas.versions.get(version)?.entry ?? null;
  }

  /** Hot path of validation: compiled validators of one event type for one project, from memory. */
  lookup(projectId: string, eventType: string): EventTypeSchemas | undefined {
    return this.view(projectId).get(eventType);
  }

  private lookupVersion(projectId: string, eventType: string, version: number): CompiledSchema | undefined {
    return this.stored.get(projectId)?.get(eventType)?.get(version);
  }

  private async loadNew(): Promise<void> {
    const keys = await this.state.query<{ project_id: string; event_type: string; version: number }>(
      'SELECT project_id, event_type, version FROM event_schemas',
    );
    if (keys.every((k) => this.lookupVersion(k.project_id, k.event_type, k.version) !== undefined)) return;
    const rows = await this.state.query<SchemaRow & Record<string, unknown>>(
      'SELECT project_id, event_type, version, schema, description, created_at FROM event_schemas',
    );
    for (const r of rows) {
      if (this.lookupVersion(r.project_id, r.event_type, r.version) !== undefined) continue;
      const label = `${JSON.stringify(r.event_type)} v${r.version} of project ${JSON.stringify(r.project_id)}`;
      try {
        const validate = this.compiler.compile(r.schema, label);
        this.add({
          entry: {
            projectId: r.project_id,
            eventType: r.event_type,
            version: r.version,
            description: r.description,
            schema: deepFreeze(r.schema as JsonSchema),
            builtIn: false,
            createdAt: toIso(r.created_at),
          },
          validate,
        });
      } catch (err) {
        // One unusable row (e.g. written by a newer Plaza) must not take the other schemas down with it.
        this.note(err instanceof Error ? err.message : String(err));
      }
    }
  }

  private add(compiled: CompiledSchema): void {
    const { projectId, eventType, version } = compiled.entry;
    entryOf(entryOf(this.stored, projectId), eventType).set(version, compiled);
    if (projectId === ALL_PROJECTS) this.views.clear();
    else this.views.delete(projectId);
  }

  private view(projectId: string): Map<string, EventTypeSchemas> {
    let view = this.views.get(projectId);
    if (view === undefined) {
      view = this.buildView(projectId);
      this.views.set(projectId, view);
    }
    return view;
  }

  private buildView(projectId: string): Map<string, EventTypeSchemas> {
    const merged: TypeMap = new Map();
    const layers = [builtIns(), this.stored.get(ALL_PROJECTS), this.stored.get(projectId)];
    for (const layer of projectId === ALL_PROJECTS ? layers.slice(0, 2) : layers) {
      for (const [type, versions] of layer ?? []) {
        const target = entryOf(merged, type);
        for (const [v, c] of versions) target.set(v, c);
      }
    }
    const view = new Map<string, EventTypeSchemas>();
    for (const [type, versions] of merged) {
      const latest = versions.get(Math.max(...versions.keys()))!;
      view.set(type, { latest, versions });
    }
    return view;
  }

  private note(issue: string): void {
    this.issues.push(issue);
    if (this.issues.length > 50) this.issues.shift();
  }
}

let compiledCatalogue: TypeMap | null = null;

/** The built-in catalogue, compiled once per process and shared by every registry. */
function builtIns(): TypeMap {
  if (compiledCatalogue !== null) return compiledCatalogue;
  const compiler = new SchemaCompiler();
  const types: TypeMap = new Map();
  for (const c of catalogue) {
    const validate = compiler.compile(c.schema, JSON.stringify(c.eventType));
    entryOf(types, c.eventType).set(c.version, {
      entry: {
        projectId: ALL_PROJECTS,
        eventType: c.eventType,
        version: c.version,
        description: c.description,
        schema: deepFreeze(structuredClone(c.schema)),
        builtIn: true,
        createdAt: null,
      },
      validate,
    });
  }
  compiledCatalogue = types;
  return types;
}

/** The inner map under `key`, created empty on first use. */
function entryOf<K, K2, V>(map: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = map.get(key);
  if (inner === undefined) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}

function checkName(what: string, value: unknown, code: string): void {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_NAME ||
    value.trim() !== value ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    /[\u0000-\u001f\u007f]/.test(value)
  ) {
    throw new PlazaError(
      code,
      `Invalid ${what} ${JSON.stringify(value)}: use 1–${MAX_NAME} characters, no control characters, ` +
        'no leading or trailing spaces',
      400,
    );
  }
}

/** JSON with object keys sorted, so that equal schemas compare equal whatever order jsonb gave back. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

const toIso = (v: Date | string): string => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());
