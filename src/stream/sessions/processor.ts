import type { Logger } from 'pino';
import { topics } from '../../collector/topics.js';
import type { EventLog, StoredRecord, TopicPartitionOffset } from '../../ports/event-log.js';
import type { Row, Warehouse } from '../../ports/warehouse.js';
import {
  identitiesKey,
  identitiesTable,
  identityUsersKey,
  identityUsersTable,
  identityViewsSql,
} from '../../warehouse/identities-table.js';
import { rawEventsTable } from '../../warehouse/raw-events-table.js';
import { sessionsKey, sessionsTable } from '../../warehouse/sessions-table.js';
import { type ConsumerLoop, type ConsumerLoopOptions, startConsumerLoop } from '../consumer-loop.js';
import { IdentityMap, type IdentityStats } from '../identity/identity-map.js';
import {
  commitLogPositions,
  ensureOffsetsTable,
  loadOffsets,
  offsetsReplacement,
  storedPositions,
  watermarkKey,
} from '../offsets.js';
import { type Processor, positionsFrom } from '../processors.js';
import { readSessionEvent, type SessionEvent } from './event-reader.js';
import { Sessionizer, type SessionizerStats } from './sessionizer.js';

/**
 * The sessionizer and identity stitching, as one consumer group of `user-events` (sessions carry the stitched
 * user, so both read the same events in the same order and commit together).
 *
 * Exactly once: effects (session rows, identity rows, known users) and the positions they cover (with the
 * partitions' watermarks) are written in ONE `replaceRows` call; at start the state (open sessions, the
 * identity map, watermarks) is read back from those tables and every partition is positioned at its stored
 * offset. A crash anywhere leaves either a whole write or none of it; the log's committed offset is only an
 * optimisation. A failed write reloads the state the same way before the records are read again.
 */
export const sessionizerGroup = 'sessionizer';
export const sessionizerTopics: readonly string[] = [topics.userEvents];

export interface SessionizerDeps {
  log: EventLog;
  warehouse: Warehouse;
  logger: Logger;
  /** The project's IANA time zone (sessions end at its midnight). */
  timeZoneOf(projectId: string): Promise<string>;
  sessionTimeoutMinutes: number;
  /** How far behind its partition's watermark an event may arrive and still be sessionized (default 10). */
  allowedLatenessMinutes?: number;
  metrics?: ConsumerLoopOptions['metrics'];
  maxRecords?: number;
  /** While behind the log, write at least this often (default 5000 ms); caught up, after every batch. */
  flushIntervalMs?: number;
  /** …or once this many records are applied but not written (default 200,000). */
  flushMaxRecords?: number;
  /**
   * Consumer group (default `sessionizer`); its positions are stored under this name. The sessions and
   * identities tables are not per group: one sessionizer group per warehouse.
   */
  group?: string;
}

export type SessionizerStatsSnapshot = SessionizerStats & {
  openSessions: number;
  identity: IdentityStats;
  unreadable: number;
  batches: number;
  flushes: number;
};

export interface SessionizerLoop extends ConsumerLoop {
  stats(): SessionizerStatsSnapshot;
}

const defaultLatenessMinutes = 10;
const defaultFlushIntervalMs = 5000;
const defaultFlushMaxRecords = 200_000;

export async function ensureSessionTables(warehouse: Warehouse): Promise<void> {
  await ensureOffsetsTable(warehouse);
  await warehouse.ensureTable(sessionsTable);
  await warehouse.ensureTable(identitiesTable);
  await warehouse.ensureTable(identityUsersTable);
  // events_resolved reads raw_events; the raw events sink creates the same table.
  await warehouse.ensureTable(rawEventsTable);
  for (const sql of identityViewsSql()) await warehouse.exec(sql);
}

/**
 * The in-memory state of the group and how it reaches the warehouse.
 *
 * Batches are applied to memory as they are read; their effects are written (flushed) together with the
 * positions they cover when the group has caught up with the log, or at least every `flushIntervalMs` while
 * it is behind (a session touched by many batches is then written once, not once per batch). Until a write
 * the log's committed offset may run ahead of the stored positions: after a crash the group resumes from the
 * stored ones and reads those records again. `drain` and `stop` write what is pending.
 */
export class SessionStream {
  readonly identity = new IdentityMap();
  readonly sessionizer: Sessionizer;
  unreadable = 0;
  batches = 0;
  flushes = 0;
  private readonly zones = new Map<string, string>();
  /** Next offset to read per topic/partition (what a write covers). */
  private readonly position = new Map<string, TopicPartitionOffset>();
  private pendingRecords = 0;
  private lastFlush = Date.now();
  /** Set when a write failed: memory is then ahead of what was stored, and the state must be reloaded. */
  private broken = false;
  private serial: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly d: SessionizerDeps,
    readonly group: string,
  ) {
    this.sessionizer = new Sessionizer(
      {
        timeoutMs: d.sessionTimeoutMinutes * 60_000,
        latenessMs: (d.allowedLatenessMinutes ?? defaultLatenessMinutes) * 60_000,
      },
      this.identity,
    );
  }

  /** The state as of the group's stored positions. */
  static async load(d: SessionizerDeps, group = sessionizerGroup): Promise<SessionStream> {
    const s = new SessionStream(d, group);
    const w = d.warehouse;
    s.identity.load(
      await w.query(
        'SELECT project_id, anonymous_id, user_id, status, reason, via, event_id, first_seen, identified_at FROM identities',
      ),
      await w.query('SELECT project_id, user_id FROM identity_users'),
    );
    s.sessionizer.restore(await w.query('SELECT * FROM sessions WHERE NOT is_final'));
    for (const o of await loadOffsets(w, group)) {
      if (o.watermark !== null) s.sessionizer.setWatermark(watermarkKey(o.topic, o.partition), o.watermark);
    }
    return s;
  }

  /** Where reading starts (the stored positions the consumer was sought to). */
  startAt(positions: TopicPartitionOffset[]): void {
    for (const p of positions) this.position.set(watermarkKey(p.topic, p.partition), { ...p });
  }

  stats(): SessionizerStatsSnapshot {
    return {
      ...this.sessionizer.stats,
      openSessions: this.sessionizer.openSessions,
      identity: { ...this.identity.stats },
      unreadable: this.unreadable,
      batches: this.batches,
      flushes: this.flushes,
    };
  }

  /** Applies a batch to memory; writes when caught up with the log or when the last write is old enough. */
  handle(records: StoredRecord[]): Promise<void> {
    return this.exclusive(async () => {
      if (this.broken) throw new Error('sessionizer state must be reloaded after a failed write');
      await this.apply(records);
      if (
        this.pendingRecords >= (this.d.flushMaxRecords ?? defaultFlushMaxRecords) ||
        Date.now() - this.lastFlush >= (this.d.flushIntervalMs ?? defaultFlushIntervalMs) ||
        (await this.caughtUp())
      )
        await this.write();
    });
  }

  get isBroken(): boolean {
    return this.broken;
  }

  /** Writes whatever is applied but not yet stored. */
  flush(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.broken) await this.write();
    });
  }

  private async apply(records: StoredRecord[]): Promise<void> {
    const events: { part: string; e: SessionEvent }[] = [];
    const zones = new Map<string, string>();
    for (const r of records) {
      const part = watermarkKey(r.topic, r.partition);
      const pos = this.position.get(part);
      if (!pos) this.position.set(part, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
      else if (r.offset + 1 > pos.offset) pos.offset = r.offset + 1;
      const e = readSessionEvent(r.value);
      if (e === null) {
        this.unreadable++;
        continue;
      }
      events.push({ part, e });
      if (!zones.has(e.projectId)) zones.set(e.projectId, await this.timeZone(e.projectId));
    }
    const parts = new Set<string>();
    for (const { part, e } of events) {
      if (e.user !== null || e.type === 'alias') {
        this.identity.observe(
          {
            project_id: e.projectId,
            event_id: e.eventId,
            event_type: e.type,
            anonymous_id: e.anon,
            user_id: e.user,
            properties: e.type === 'alias' ? e.full().properties : null,
          },
          e.t,
        );
      }
      this.sessionizer.add(part, e, zones.get(e.projectId)!);
      parts.add(part);
    }
    this.sessionizer.finalize(parts);
    this.pendingRecords += records.length;
    this.batches++;
  }

  /** The effects applied since the last write and the positions they cover, in one replaceRows call. */
  private async write(): Promise<void> {
    if (this.pendingRecords === 0) return;
    try {
      const reattributed = await this.reattribute(this.identity.takeRelinked());
      const sessionRows = [...reattributed, ...this.sessionizer.takeRows()];
      const { identityRows, userRows } = this.identity.takeRows();
      await this.d.warehouse.replaceRows([
        { table: sessionsTable.name, key: sessionsKey, rows: sessionRows },
        { table: identitiesTable.name, key: identitiesKey, rows: identityRows },
        { table: identityUsersTable.name, key: identityUsersKey, rows: userRows },
        offsetsReplacement(this.group, [...this.position.values()], this.sessionizer.watermarkMap()),
      ]);
    } catch (e) {
      this.broken = true;
      throw e;
    }
    this.sessionizer.evictFinal();
    this.pendingRecords = 0;
    this.lastFlush = Date.now();
    this.flushes++;
  }

  /** True when every partition of the group's topics has been read to its end. */
  private async caughtUp(): Promise<boolean> {
    for (const topic of sessionizerTopics) {
      const ends = await this.d.log.endOffsets(topic);
      for (const [partition, end] of ends.entries()) {
        if ((this.position.get(watermarkKey(topic, partition))?.offset ?? 0) < end) return false;
      }
    }
    return true;
  }

  private exclusive(fn: () => Promise<void>): Promise<void> {
    const run = this.serial.catch(() => undefined).then(fn);
    this.serial = run;
    return run;
  }

  /**
   * Sessions of visitors whose linked user changed get the new user: those in memory are rewritten anyway;
   * those already in the warehouse are read back and rewritten when their user changes.
   */
  private async reattribute(relinked: { project: string; anon: string }[]): Promise<Row[]> {
    if (relinked.length === 0) return [];
    const byProject = new Map<string, string[]>();
    for (const { project, anon } of relinked) {
      for (const s of this.sessionizer.sessionsOf(project, anon)) this.sessionizer.markDirty(s);
      const list = byProject.get(project) ?? [];
      list.push(anon);
      byProject.set(project, list);
    }
    const out: Row[] = [];
    for (const [project, anons] of byProject) {
      for (let i = 0; i < anons.length; i += 5000) {
        const chunk = anons.slice(i, i + 5000);
        const rows = await this.d.warehouse.query(
          `SELECT * FROM sessions WHERE project_id = $1 AND visitor IN (${chunk.map((_, j) => `$${j + 2}`).join(', ')})`,
          [project, ...chunk],
        );
        for (const row of rows) {
          const visitor = String(row.visitor);
          if (this.sessionizer.has(project, visitor, String(row.session_id))) continue;
          const started = row.started_at instanceof Date ? row.started_at.getTime() : Number(row.started_at);
          this.identity.noteActivity(project, visitor, started);
          const user = (row.event_user_id as string | null) ?? this.identity.userOf(project, visitor);
          if (user !== row.user_id) out.push({ ...row, user_id: user });
        }
      }
    }
    return out;
  }

  private async timeZone(project: string): Promise<string> {
    let tz = this.zones.get(project);
    if (tz === undefined) {
      // Read once per process: a project's zone is not expected to change under running sessions.
      tz = await this.d.timeZoneOf(project);
      this.zones.set(project, tz);
    }
    return tz;
  }
}

/** Runs the group; its state is (re)loaded from the warehouse at start and after a failed batch. */
export async function startSessionizer(d: SessionizerDeps): Promise<SessionizerLoop> {
  await ensureSessionTables(d.warehouse);
  const group = d.group ?? sessionizerGroup;
  let stream: SessionStream | undefined;
  const loop = await startConsumerLoop({
    log: d.log,
    group,
    topics: [...sessionizerTopics],
    logger: d.logger,
    maxRecords: d.maxRecords ?? 5000,
    ...(d.metrics ? { metrics: d.metrics } : {}),
    async startFrom() {
      stream = await SessionStream.load(d, group);
      const positions = await storedPositions(d.log, d.warehouse, group, sessionizerTopics);
      stream.startAt(positions);
      d.logger.info(
        {
          openSessions: stream.sessionizer.openSessions,
          identities: stream.identity.size,
          resumeFrom: positions.reduce((n, p) => n + p.offset, 0),
        },
        'sessionizer state loaded',
      );
      return positions;
    },
    handle: (records) => stream!.handle(records),
  });
  return {
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await loop.drain(Math.max(1, deadline - Date.now()));
        // After a failed write the loop reloads the state and reads again: drained means written.
        if (stream && !stream.isBroken) {
          await stream.flush().catch(() => undefined);
          if (!stream.isBroken) return;
        }
        if (Date.now() > deadline) throw new Error(`consumer ${group} did not drain within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await loop.stop();
      await stream?.flush();
    },
    stats: () => stream!.stats(),
  };
}

/**
 * Forgets everything the group computed (sessions, identities, known users, its stored positions): its next
 * start recomputes from the beginning of the log. Run while the group is stopped.
 */
export async function resetSessionizer(warehouse: Warehouse): Promise<void> {
  await ensureSessionTables(warehouse);
  // One transaction: stored positions without the state they belong to would be read as a fresh start.
  await warehouse.exec(
    `BEGIN TRANSACTION; DELETE FROM stream_offsets WHERE consumer_group = '${sessionizerGroup}';
     DELETE FROM sessions; DELETE FROM identities; DELETE FROM identity_users; COMMIT;`,
  );
}

/**
 * The group for the worker's processor set. Rewind: a session and the identity map depend on everything
 * before a position (open sessions, earlier identifications), so rewinding to any position before what is
 * stored recomputes the group from the start of the log; processing is deterministic, so everything before the
 * positions comes out the same and everything after is recomputed.
 */
export function sessionizerProcessor(d: SessionizerDeps): Processor {
  return {
    group: sessionizerGroup,
    topics: sessionizerTopics,
    start: () => startSessionizer(d),
    async rewind(from) {
      await ensureSessionTables(d.warehouse);
      const positions = await positionsFrom(d.log, sessionizerTopics, from);
      const stored = new Map(
        (await loadOffsets(d.warehouse, sessionizerGroup)).map((o) => [
          watermarkKey(o.topic, o.partition),
          o,
        ]),
      );
      const behind = positions.some(
        (p) => p.offset < (stored.get(watermarkKey(p.topic, p.partition))?.offset ?? 0),
      );
      // Ahead of (or at) what is stored: nothing derived from there on yet, the group simply goes on.
      if (!behind)
        return positions.map((p) => ({
          ...p,
          offset: stored.get(watermarkKey(p.topic, p.partition))?.offset ?? p.offset,
        }));
      await resetSessionizer(d.warehouse);
      const start = positions.map((p) => ({ ...p, offset: 0 }));
      await commitLogPositions(d.log, sessionizerGroup, sessionizerTopics, start);
      return start;
    },
  };
}
