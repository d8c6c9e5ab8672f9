import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopicPartitionOffset } from '../../../ports/event-log.js';
import { isNotFound, writeFileAtomic } from './files.js';

/** topic → partition (as a string key) → next offset to read. */
type GroupOffsets = Record<string, Record<string, number>>;

/**
 * Committed consumer-group offsets: one small JSON file per group, replaced atomically on each commit, so a
 * commit covering several topics lands all at once or not at all.
 */
export class GroupOffsetStore {
  private readonly cache = new Map<string, GroupOffsets>();
  /** Commits of one group are serialised: each rewrites the whole file from the merged state. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly durable: boolean,
  ) {}

  private file(group: string): string {
    // encodeURIComponent keeps '/' and other path syntax out; the prefix keeps '.' and '..' harmless.
    return join(this.dir, `g-${encodeURIComponent(group)}.json`);
  }

  private async load(group: string): Promise<GroupOffsets> {
    const cached = this.cache.get(group);
    if (cached) return cached;
    let offsets: GroupOffsets = {};
    try {
      offsets = JSON.parse(await readFile(this.file(group), 'utf8')) as GroupOffsets;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    this.cache.set(group, offsets);
    return offsets;
  }

  /** Committed next offset per partition, undefined where the group never committed. */
  async get(group: string, topic: string, partitions: number): Promise<(number | undefined)[]> {
    await this.tails.get(group);
    const byPartition = (await this.load(group))[topic] ?? {};
    return Array.from({ length: partitions }, (_, p) => byPartition[String(p)]);
  }

  commit(group: string, offsets: TopicPartitionOffset[]): Promise<void> {
    const run = async (): Promise<void> => {
      const current = await this.load(group);
      const merged: GroupOffsets = structuredClone(current);
      for (const o of offsets) {
        merged[o.topic] ??= {};
        merged[o.topic]![String(o.partition)] = o.offset;
      }
      await writeFileAtomic(this.file(group), JSON.stringify(merged), this.durable);
      this.cache.set(group, merged);
    };
    const previous = this.tails.get(group) ?? Promise.resolve();
    const next = previous.then(run, run);
    const tail = next.catch(() => {});
    this.tails.set(group, tail);
    void tail.then(() => {
      if (this.tails.get(group) === tail) this.tails.delete(group);
    });
    return next;
  }

  /** Resolves when every commit started so far has finished. */
  async drain(): Promise<void> {
    await Promise.all(this.tails.values());
  }
}
