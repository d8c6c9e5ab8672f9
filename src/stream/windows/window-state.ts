import type { Row } from '../../ports/warehouse.js';
import { type AggCounterColumn, aggCounterColumns } from '../../warehouse/agg-tables.js';
import { type CounterName, type EventHead, progressTime, type Revenue } from './event-fields.js';

/**
 * The windowed aggregator's state and rules, without I/O (the processor in aggregator.ts reads the log and
 * writes the warehouse around it).
 *
 * Windows: event-time tumbling windows of one minute and one hour, per listing, per seller and per project.
 *
 * Lateness: each (log partition, project) has a watermark, the highest `min(timestamp, received_at)` of the
 * events read so far from that partition for that project (received_at caps clients whose clocks run ahead).
 * An event is late when its minute window ended at least `allowedLatenessMs` before the watermark of its
 * partition and project, as it stood before the event; a late event is left out of every window (minute and
 * hour alike, so minutes always add up to hours) and counted in `late_dropped`. The watermark depends only on
 * the order of records within one partition, which the log fixes, so replaying a partition from any stored
 * position takes the same decisions whatever the batching or the interleaving of partitions.
 *
 * Unique viewers: distinct visitors (anonymous id, else user id) with a listing or product view in the
 * window. The collector partitions by that same visitor, so the viewer sets of different partitions are
 * disjoint: each partition keeps its own sets, and a window's count is the sum over partitions. A partition's
 * sets are dropped as soon as its own watermark closes the window, so an idle partition never holds up
 * memory.
 */
export type Granularity = 'minute' | 'hour';
export type EntityType = 'listing' | 'seller' | 'project';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const sizes: Record<Granularity, number> = { minute: MINUTE_MS, hour: HOUR_MS };
export const granularities: readonly Granularity[] = ['minute', 'hour'];

const counterIndex = new Map<AggCounterColumn, number>(aggCounterColumns.map((c, i) => [c, i]));
const UNIQUE = counterIndex.get('unique_viewers')!;

export const windowStart = (timeMs: number, g: Granularity): number =>
  Math.floor(timeMs / sizes[g]) * sizes[g];

/** An event that passed the lateness check and feeds a counter. */
export interface AdmittedEvent {
  /** `topic/partition` it was read from. */
  tp: string;
  projectId: string;
  timeMs: number;
  counter: CounterName;
  visitor: string | null;
  listingId: string | null;
  sellerId: string | null;
  revenue: Revenue | null;
}

export interface Cell {
  entityType: EntityType;
  entityId: string;
  /** aggCounterColumns order. */
  counts: number[];
  /** Currency → hundredths. */
  revenue: Map<string, number> | null;
  dirty: boolean;
}

interface Group {
  granularity: Granularity;
  projectId: string;
  windowStart: number;
  project: Cell | null;
  listings: Map<string, Cell>;
  sellers: Map<string, Cell>;
  dirty: Cell[];
  touchedAt: number;
}

/** Visitors counted in one window of one partition, per entity. */
interface WindowViewers {
  project: Set<string>;
  listings: Map<string, Set<string>>;
  sellers: Map<string, Set<string>>;
}

/** Viewer sets of one (partition, project), by window start. */
interface PartitionViewers {
  tp: string;
  projectId: string;
  minute: Map<number, WindowViewers>;
  hour: Map<number, WindowViewers>;
  /** Minute window → [visitor, listing, seller] newly counted since the last flush. */
  pending: Map<number, [string, string | null, string | null][]>;
}

/**
 * The watermark of one (partition, project). `c`: the latest received_at read (the partition's clock, ms);
 * `m`: the watermark, the highest progress time among events received in a second before
 * floor((c − receiveGraceMs) / 1000); `p`: [received second, highest progress time] of the events not counted
 * in `m` yet, by second.
 */
export interface WatermarkState {
  c: number;
  m: number;
  p: [number, number][];
}

/**
 * Events only move the watermark once the partition's clock (received_at) is this far past them, so that
 * requests appended a little out of order (concurrent client requests, a backfill sending history through
 * several connections) never make each other late.
 */
export const receiveGraceMs = 10_000;

/** What the aggregator keeps in `agg_state` (JSON). */
export interface PersistedState {
  /** `topic/partition` → project → watermark state. */
  watermarks: Record<string, Record<string, WatermarkState>>;
  /** project → events dropped as late, since the beginning. */
  late_dropped: Record<string, number>;
  /** Flush sequence number of the last write. */
  seq: number;
  /**
   * Set by a replay from a time (replay.ts): events of windows before it are skipped, since the stored rows
   * of those windows already hold them.
   */
  replay_floor?: number;
}

export interface FlushOutput {
  minuteRows: Row[];
  hourRows: Row[];
  viewerRows: Row[];
  state: PersistedState;
}

/** Where stored viewer rows may be deleted: rows of that partition and project before `before`. */
export interface ViewerCutoff {
  topic: string;
  partition: number;
  projectId: string;
  before: number;
}

const key2 = (a: string, b: string) => `${a}\u0000${b}`;
const groupKey = (g: Granularity, projectId: string, ws: number) => `${g}\u0000${projectId}\u0000${ws}`;

export class WindowState {
  private readonly watermarks = new Map<string, Map<string, WatermarkState>>();
  private readonly lateDropped = new Map<string, number>();
  private readonly groups = new Map<string, Group>();
  /** `granularity \0 project` → latest window start that may have a stored row. */
  private readonly highWater = new Map<string, number>();
  private readonly viewers = new Map<string, PartitionViewers>();
  private seq = 0;
  private replayFloor: number | undefined;
  /** Late events seen since the last `takeLateCounts` (for metrics). */
  private lateSinceTake = new Map<string, number>();

  constructor(readonly allowedLatenessMs: number) {}

  // ----------------------------------------------------------------------------------------------- restore

  restoreState(s: PersistedState | null): void {
    if (!s) return;
    for (const [tp, projects] of Object.entries(s.watermarks ?? {})) {
      const byProject = new Map<string, WatermarkState>();
      for (const [p, w] of Object.entries(projects)) {
        // JSON has no infinities: a watermark no event has moved yet comes back as null.
        const num = (x: unknown) => (typeof x === 'number' ? x : Number.NEGATIVE_INFINITY);
        if (w && typeof w === 'object' && Array.isArray(w.p))
          byProject.set(p, { c: num(w.c), m: num(w.m), p: w.p });
      }
      this.watermarks.set(tp, byProject);
    }
    for (const [p, n] of Object.entries(s.late_dropped ?? {})) this.lateDropped.set(p, n);
    this.seq = s.seq ?? 0;
    this.replayFloor = s.replay_floor;
  }

  /** Latest stored window start per granularity and project (windows after it need no lookup). */
  restoreHighWater(g: Granularity, projectId: string, latest: number): void {
    const k = key2(g, projectId);
    this.highWater.set(k, Math.max(this.highWater.get(k) ?? -Infinity, latest));
  }

  /** A stored `agg_viewers` row: its visitors re-enter the sets of the windows still open. */
  restoreViewers(tp: string, projectId: string, minuteStart: number, triples: unknown): void {
    if (!Array.isArray(triples)) return;
    const wm = this.watermark(tp, projectId);
    const pv = this.partitionViewers(tp, projectId);
    const hourStart = windowStart(minuteStart, 'hour');
    const minuteOpen = !this.closed(minuteStart, 'minute', wm);
    const hourOpen = !this.closed(hourStart, 'hour', wm);
    if (!minuteOpen && !hourOpen) return;
    for (const t of triples) {
      if (!Array.isArray(t) || typeof t[0] !== 'string') continue;
      const [visitor, listing, seller] = t as [string, string | null, string | null];
      if (minuteOpen) addViewer(windowViewers(pv.minute, minuteStart), visitor, listing, seller);
      if (hourOpen) addViewer(windowViewers(pv.hour, hourStart), visitor, listing, seller);
    }
  }

  // -------------------------------------------------------------------------------------------- admission

  /**
   * Every event read, in partition order, passes here: it moves its partition's watermark. Returns whether an
   * event that feeds a counter (`counts`) is on time; a late one is counted in late_dropped.
   */
  admit(tp: string, head: EventHead, counts: boolean): boolean {
    let byProject = this.watermarks.get(tp);
    if (!byProject) {
      byProject = new Map();
      this.watermarks.set(tp, byProject);
    }
    let w = byProject.get(head.projectId);
    if (!w) {
      w = { c: -Infinity, m: -Infinity, p: [] };
      byProject.set(head.projectId, w);
    }
    if (head.receivedMs > w.c) w.c = head.receivedMs;
    const due = Math.floor((w.c - receiveGraceMs) / 1000);
    let ripe = 0;
    while (ripe < w.p.length && w.p[ripe]![0] < due) {
      if (w.p[ripe]![1] > w.m) w.m = w.p[ripe]![1];
      ripe++;
    }
    if (ripe > 0) w.p.splice(0, ripe);
    const wm = w.m;
    pend(w.p, Math.floor(head.receivedMs / 1000), progressTime(head));
    if (!counts) return false;
    if (this.replayFloor !== undefined && head.timeMs < this.replayFloor) return false;
    if (this.closed(windowStart(head.timeMs, 'minute'), 'minute', wm)) {
      this.lateDropped.set(head.projectId, (this.lateDropped.get(head.projectId) ?? 0) + 1);
      this.lateSinceTake.set(head.projectId, (this.lateSinceTake.get(head.projectId) ?? 0) + 1);
      return false;
    }
    return true;
  }

  /** Windows the events need whose stored rows must be read before `apply` (see `installGroup`). */
  groupsToLoad(
    events: readonly AdmittedEvent[],
  ): { granularity: Granularity; projectId: string; windowStart: number }[] {
    const out = new Map<string, { granularity: Granularity; projectId: string; windowStart: number }>();
    for (const e of events) {
      for (const g of granularities) {
        const ws = windowStart(e.timeMs, g);
        const k = groupKey(g, e.projectId, ws);
        if (this.groups.has(k) || out.has(k)) continue;
        if (ws <= (this.highWater.get(key2(g, e.projectId)) ?? -Infinity)) {
          out.set(k, { granularity: g, projectId: e.projectId, windowStart: ws });
        }
      }
    }
    return [...out.values()];
  }

  /** Stored rows of one window (all its entities), as read back from agg_minute / agg_hour. */
  installGroup(g: Granularity, projectId: string, ws: number, rows: readonly Row[]): void {
    const group = this.newGroup(g, projectId, ws);
    for (const r of rows) {
      const counts = aggCounterColumns.map((c) => Number(r[c] ?? 0));
      let revenue: Map<string, number> | null = null;
      const stored = r['revenue'];
      if (stored && typeof stored === 'object') {
        revenue = new Map();
        for (const [cur, amount] of Object.entries(stored as Record<string, unknown>)) {
          revenue.set(cur, Math.round(Number(amount) * 100));
        }
      }
      const type = String(r['entity_type']) as EntityType;
      const id = String(r['entity_id']);
      const cell: Cell = { entityType: type, entityId: id, counts, revenue, dirty: false };
      if (type === 'project') group.project = cell;
      else (type === 'listing' ? group.listings : group.sellers).set(id, cell);
    }
  }

  // ------------------------------------------------------------------------------------------------ apply

  apply(events: readonly AdmittedEvent[], now = Date.now()): void {
    // Consecutive events mostly share their windows: the last group of each granularity is kept at hand.
    let lastMinute: Group | null = null;
    let lastHour: Group | null = null;
    let lastPv: PartitionViewers | null = null;
    for (const e of events) {
      const ci = counterIndex.get(e.counter)!;
      let pv: PartitionViewers | null = null;
      if (e.counter === 'views' && e.visitor !== null) {
        pv =
          lastPv !== null && lastPv.tp === e.tp && lastPv.projectId === e.projectId
            ? lastPv
            : this.partitionViewers(e.tp, e.projectId);
        lastPv = pv;
      }
      let newViewer = false;
      const ms = windowStart(e.timeMs, 'minute');
      const hs = windowStart(e.timeMs, 'hour');
      if (lastMinute === null || lastMinute.windowStart !== ms || lastMinute.projectId !== e.projectId) {
        lastMinute = this.group('minute', e.projectId, ms, now);
      }
      if (lastHour === null || lastHour.windowStart !== hs || lastHour.projectId !== e.projectId) {
        lastHour = this.group('hour', e.projectId, hs, now);
      }
      if (this.count(lastMinute, ci, e, pv?.minute)) newViewer = true;
      if (this.count(lastHour, ci, e, pv?.hour)) newViewer = true;
      if (pv && newViewer) {
        let list = pv.pending.get(ms);
        if (!list) {
          list = [];
          pv.pending.set(ms, list);
        }
        list.push([e.visitor!, e.listingId, e.sellerId]);
      }
    }
  }

  /** Counts one event in the cells of one window; true when its visitor is new to one of them. */
  private count(
    group: Group,
    ci: number,
    e: AdmittedEvent,
    viewersByWindow: Map<number, WindowViewers> | undefined,
  ): boolean {
    const viewers = viewersByWindow ? windowViewers(viewersByWindow, group.windowStart) : null;
    group.project ??= newCell('project', e.projectId);
    let fresh = bump(group, group.project, ci, e, viewers?.project);
    if (e.listingId !== null) {
      const cell = cellIn(group.listings, 'listing', e.listingId);
      if (bump(group, cell, ci, e, viewers && setIn(viewers.listings, e.listingId))) fresh = true;
    }
    if (e.sellerId !== null) {
      const cell = cellIn(group.sellers, 'seller', e.sellerId);
      if (bump(group, cell, ci, e, viewers && setIn(viewers.sellers, e.sellerId))) fresh = true;
    }
    return fresh;
  }

  // ------------------------------------------------------------------------------------------------ flush

  /** Rows of every window changed since the last flush, the new viewer rows and the state; clears dirt. */
  flush(now = new Date()): FlushOutput {
    const minuteRows: Row[] = [];
    const hourRows: Row[] = [];
    for (const group of this.groups.values()) {
      if (group.dirty.length === 0) continue;
      const out = group.granularity === 'minute' ? minuteRows : hourRows;
      const start = new Date(group.windowStart);
      for (const cell of group.dirty) {
        const row: Row = {
          project_id: group.projectId,
          entity_type: cell.entityType,
          entity_id: cell.entityId,
          window_start: start,
          revenue: revenueJson(cell.revenue),
          updated_at: now,
        };
        for (let i = 0; i < aggCounterColumns.length; i++) row[aggCounterColumns[i]!] = cell.counts[i];
        out.push(row);
        cell.dirty = false;
      }
      group.dirty = [];
    }
    this.seq++;
    const viewerRows: Row[] = [];
    for (const pv of this.viewers.values()) {
      if (pv.pending.size === 0) continue;
      const slash = pv.tp.lastIndexOf('/');
      for (const [ms, visitors] of pv.pending) {
        viewerRows.push({
          topic: pv.tp.slice(0, slash),
          log_partition: Number(pv.tp.slice(slash + 1)),
          project_id: pv.projectId,
          window_start: new Date(ms),
          seq: this.seq,
          visitors,
        });
      }
      pv.pending.clear();
    }
    return { minuteRows, hourRows, viewerRows, state: this.persistedState() };
  }

  persistedState(): PersistedState {
    const watermarks: PersistedState['watermarks'] = {};
    for (const [tp, byProject] of this.watermarks) {
      watermarks[tp] = Object.fromEntries(
        [...byProject].map(([p, w]) => [
          p,
          { c: w.c, m: w.m, p: w.p.map(([a, b]) => [a, b] as [number, number]) },
        ]),
      );
    }
    return {
      watermarks,
      late_dropped: Object.fromEntries(this.lateDropped),
      seq: this.seq,
      ...(this.replayFloor === undefined ? {} : { replay_floor: this.replayFloor }),
    };
  }

  // ------------------------------------------------------------------------------------------ housekeeping

  /**
   * Drops what can no longer change: viewer sets of windows closed for their partition, and windows (after a
   * flush) that every partition has closed or nobody touched for `idleMs`. A dropped window that an event
   * still reaches is read back from the warehouse (`groupsToLoad`), so this is only a memory policy.
   */
  evict(nowMs = Date.now(), idleMs = 120_000): void {
    for (const [k, pv] of this.viewers) {
      const wm = this.watermark(pv.tp, pv.projectId);
      for (const ws of pv.minute.keys()) if (this.closed(ws, 'minute', wm)) pv.minute.delete(ws);
      for (const ws of pv.hour.keys()) if (this.closed(ws, 'hour', wm)) pv.hour.delete(ws);
      if (pv.minute.size === 0 && pv.hour.size === 0 && pv.pending.size === 0) this.viewers.delete(k);
    }
    const lowest = this.lowestWatermarks();
    for (const [k, group] of this.groups) {
      if (group.dirty.length > 0) continue;
      const low = lowest.get(group.projectId) ?? -Infinity;
      if (this.closed(group.windowStart, group.granularity, low) || group.touchedAt < nowMs - idleMs) {
        this.groups.delete(k);
      }
    }
  }

  /** Per partition and project, stored viewer rows before this minute belong to closed hours. */
  viewerCutoffs(): ViewerCutoff[] {
    const out: ViewerCutoff[] = [];
    for (const [tp, byProject] of this.watermarks) {
      const slash = tp.lastIndexOf('/');
      for (const [projectId, w] of byProject) {
        // Hour H is closed when H + 1 h + lateness <= wm, i.e. for every H before floor_hour(wm - lateness).
        out.push({
          topic: tp.slice(0, slash),
          partition: Number(tp.slice(slash + 1)),
          projectId,
          before: windowStart(w.m - this.allowedLatenessMs, 'hour'),
        });
      }
    }
    return out;
  }

  /** Late events per project since the previous call. */
  takeLateCounts(): Map<string, number> {
    const out = this.lateSinceTake;
    this.lateSinceTake = new Map();
    return out;
  }

  lateDroppedTotal(projectId: string): number {
    return this.lateDropped.get(projectId) ?? 0;
  }

  stats(): { windows: number; viewerSets: number; watermarks: PersistedState['watermarks'] } {
    let sets = 0;
    for (const pv of this.viewers.values()) {
      for (const w of [...pv.minute.values(), ...pv.hour.values()])
        sets += 1 + w.listings.size + w.sellers.size;
    }
    return { windows: this.groups.size, viewerSets: sets, watermarks: this.persistedState().watermarks };
  }

  watermark(tp: string, projectId: string): number {
    return this.watermarks.get(tp)?.get(projectId)?.m ?? -Infinity;
  }

  // ------------------------------------------------------------------------------------------------ inner

  private closed(ws: number, g: Granularity, wm: number): boolean {
    return ws + sizes[g] + this.allowedLatenessMs <= wm;
  }

  private lowestWatermarks(): Map<string, number> {
    const low = new Map<string, number>();
    for (const byProject of this.watermarks.values()) {
      for (const [p, w] of byProject) low.set(p, Math.min(low.get(p) ?? Infinity, w.m));
    }
    return low;
  }

  private newGroup(g: Granularity, projectId: string, ws: number, now = Date.now()): Group {
    const group: Group = {
      granularity: g,
      projectId,
      windowStart: ws,
      project: null,
      listings: new Map(),
      sellers: new Map(),
      dirty: [],
      touchedAt: now,
    };
    this.groups.set(groupKey(g, projectId, ws), group);
    const hk = key2(g, projectId);
    if (ws > (this.highWater.get(hk) ?? -Infinity)) this.highWater.set(hk, ws);
    return group;
  }

  private group(g: Granularity, projectId: string, ws: number, now: number): Group {
    const group = this.groups.get(groupKey(g, projectId, ws)) ?? this.newGroup(g, projectId, ws, now);
    group.touchedAt = now;
    return group;
  }

  private partitionViewers(tp: string, projectId: string): PartitionViewers {
    const k = key2(tp, projectId);
    let pv = this.viewers.get(k);
    if (!pv) {
      pv = { tp, projectId, minute: new Map(), hour: new Map(), pending: new Map() };
      this.viewers.set(k, pv);
    }
    return pv;
  }
}

/** Adds an event to the pending seconds (kept in order; one entry per second, with the highest progress). */
function pend(pending: [number, number][], second: number, progress: number): void {
  let i = pending.length;
  while (i > 0 && pending[i - 1]![0] > second) i--;
  const at = pending[i - 1];
  if (at && at[0] === second) {
    if (progress > at[1]) at[1] = progress;
  } else {
    pending.splice(i, 0, [second, progress]);
  }
}

function newCell(entityType: EntityType, entityId: string): Cell {
  return { entityType, entityId, counts: aggCounterColumns.map(() => 0), revenue: null, dirty: false };
}

function cellIn(cells: Map<string, Cell>, entityType: EntityType, entityId: string): Cell {
  let cell = cells.get(entityId);
  if (!cell) {
    cell = newCell(entityType, entityId);
    cells.set(entityId, cell);
  }
  return cell;
}

function setIn(sets: Map<string, Set<string>>, id: string): Set<string> {
  let set = sets.get(id);
  if (!set) {
    set = new Set();
    sets.set(id, set);
  }
  return set;
}

/** Counts one event in a cell; true when its visitor is new to the cell's viewer set. */
function bump(
  group: Group,
  cell: Cell,
  ci: number,
  e: AdmittedEvent,
  viewers: Set<string> | null | undefined,
): boolean {
  if (!cell.dirty) {
    cell.dirty = true;
    group.dirty.push(cell);
  }
  cell.counts[ci]!++;
  if (e.revenue) {
    cell.revenue ??= new Map();
    cell.revenue.set(e.revenue.currency, (cell.revenue.get(e.revenue.currency) ?? 0) + e.revenue.cents);
  }
  if (viewers && !viewers.has(e.visitor!)) {
    viewers.add(e.visitor!);
    cell.counts[UNIQUE]!++;
    return true;
  }
  return false;
}

function windowViewers(byWindow: Map<number, WindowViewers>, ws: number): WindowViewers {
  let w = byWindow.get(ws);
  if (!w) {
    w = { project: new Set(), listings: new Map(), sellers: new Map() };
    byWindow.set(ws, w);
  }
  return w;
}

function addViewer(w: WindowViewers, visitor: string, listing: string | null, seller: string | null): void {
  w.project.add(visitor);
  if (listing !== null) setIn(w.listings, listing).add(visitor);
  if (seller !== null) setIn(w.sellers, seller).add(visitor);
}

function revenueJson(revenue: Map<string, number> | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (!revenue) return out;
  for (const cur of [...revenue.keys()].sort()) out[cur] = revenue.get(cur)! / 100;
  return out;
}
