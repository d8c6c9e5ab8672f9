import { createHash } from 'node:crypto';
import type { KeyValue } from '../ports/key-value.js';
import type { StateStore } from '../ports/state.js';

/**
 * Results cached in the key-value port. The key holds the data version (the latest finished pipeline run),
 * so a run that lands new data makes every older entry unreachable at once; the TTL only reclaims them.
 */
export class ResultCache {
  constructor(
    private readonly kv: KeyValue,
    private readonly state: StateStore,
    private readonly ttlMs: number,
  ) {}

  /** Any pipeline run that finished may have rewritten a table the layer reads. */
  async dataVersion(): Promise<string> {
    const [row] = await this.state.query<{ v: unknown }>(
      'SELECT max(finished_at) AS v FROM pipeline_runs WHERE finished_at IS NOT NULL',
    );
    const v = row?.v;
    return v instanceof Date ? v.toISOString() : String(v ?? 'none');
  }

  /** The request normalised (the caller passes it with defaults filled in) and the caller's scope. */
  key(kind: string, version: string, request: unknown): string {
    const hash = createHash('sha256')
      .update(JSON.stringify([kind, version, request]))
      .digest('hex');
    return `plaza:semantic:${kind}:${hash}`;
  }

  async get<T>(key: string): Promise<T | null> {
    const hit = await this.kv.get(key);
    return hit === null ? null : (JSON.parse(hit) as T);
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.kv.set(key, JSON.stringify(value), { ttlMs: this.ttlMs });
  }
}

/** Runs `compute` unless the result is cached under the data version; reports whether it was. */
export async function cached<T>(
  cache: ResultCache | null,
  kind: string,
  request: unknown,
  compute: () => Promise<T>,
): Promise<{ value: T; cached: boolean }> {
  if (cache === null) return { value: await compute(), cached: false };
  const key = cache.key(kind, await cache.dataVersion(), request);
  const hit = await cache.get<T>(key);
  if (hit !== null) return { value: hit, cached: true };
  const value = await compute();
  await cache.set(key, value);
  return { value, cached: false };
}
