import { type FileHandle, mkdir, open, readdir, stat } from 'node:fs/promises';
import { PlazaError } from '../../../core/errors.js';
import { fsyncDir, writeFully } from './files.js';
import { encodedSize, encodeRecord, type PendingRecord } from './record-codec.js';
import {
  INDEX_INTERVAL,
  type Segment,
  SparseIndex,
  scanRecords,
  segmentBases,
  segmentPath,
} from './segment.js';

export interface PartitionOptions {
  segmentBytes: number;
  fsync: boolean;
}

export interface ReadRecord {
  offset: number;
  key: string;
  value: Uint8Array;
  timestamp: number;
}

interface PendingAppend {
  records: PendingRecord[];
  bytes: number;
  resolve: (firstOffset: number) => void;
  reject: (error: unknown) => void;
}

/** Appends written to the active segment and waiting for an fdatasync. */
interface WrittenBatch {
  appends: PendingAppend[];
  firstOffsets: number[];
  /** Pairs of (offset, file position) for the sparse index. */
  indexEntries: number[];
  endOffset: number;
  endPosition: number;
}

/** One write carries at most this much, so a burst does not build one giant buffer. */
const MAX_WRITE_BYTES = 16 * 1024 * 1024;
/**
 * fdatasync calls in flight per partition. One, overlapping with the next write, measured as fast as two on
 * the 2-core VM (partitions already keep libuv's four file threads busy) with less latency jitter.
 */
const MAX_CONCURRENT_SYNCS = 1;
/** Largest write buffer kept between writes. */
const REUSED_BUFFER_BYTES = 4 * 1024 * 1024;
/** Sealed segments whose sparse index stays in memory; others are rebuilt by a scan when read again. */
const SEALED_INDEXES_KEPT = 4;
/** Remembered "next offset → file position" pairs, so consumers reading sequentially never rescan. */
const READ_HINTS_KEPT = 16;

/**
 * One partition: an ordered list of segment files, the last one written.
 *
 * Appends are group-committed in a two-stage pipeline. The write stage takes everything queued since its last
 * write and writes it with one write; the sync stage runs one fdatasync at a time covering every write finished
 * before it started, then acknowledges those appends. The stages overlap (the next group is written while the
 * previous one syncs), so durability costs one sync per disk round trip, not one per caller, and the disk is
 * never idle while appends wait. Readers see only synced records.
 */
export class PartitionLog {
  private queue: PendingAppend[] = [];
  private queuedBytes = 0;
  private writing: Promise<void> | undefined;
  private readonly syncs = new Set<Promise<void>>();
  /** Written batches not yet durable, in file order; sequence numbers count batches ever written. */
  private written: WrittenBatch[] = [];
  private writtenSeq = 0;
  private durableSeq = 0;
  private syncRequestedSeq = 0;
  /** File position after the last completed write (>= the active segment's durable size). */
  private writtenSize: number;
  /** Offset the next written record gets (>= this.next, the durable end). */
  private assigned: number;
  /** File position of the last record queued for the sparse index. */
  private lastIndexCandidate = Number.NEGATIVE_INFINITY;
  private failure: PlazaError | undefined;
  private buffer: Buffer | undefined;
  private closed = false;
  private readonly sealedIndexOrder: Segment[] = [];
  private readonly reading = new Set<Promise<unknown>>();
  private readonly readHints = new Map<number, { segment: Segment; position: number }>();

  private constructor(
    private readonly dir: string,
    private readonly options: PartitionOptions,
    private readonly segments: Segment[],
    private active: FileHandle,
    private next: number,
    private readonly onAppend: () => void,
  ) {
    this.writtenSize = segments[segments.length - 1]!.size;
    this.assigned = next;
  }

  /** Opens (creating if needed) a partition folder, truncating a torn tail left by a crash. */
  static async open(dir: string, options: PartitionOptions, onAppend: () => void): Promise<PartitionLog> {
    await mkdir(dir, { recursive: true });
    const bases = segmentBases(await readdir(dir));
    if (bases.length === 0) {
      await (await open(segmentPath(dir, 0), 'wx')).close();
      if (options.fsync) await fsyncDir(dir);
      bases.push(0);
    }
    const segments: Segment[] = [];
    for (const base of bases.slice(0, -1)) {
      const path = segmentPath(dir, base);
      segments.push({ base, path, size: (await stat(path)).size, index: undefined });
    }
    const lastBase = bases[bases.length - 1]!;
    const last: Segment = {
      base: lastBase,
      path: segmentPath(dir, lastBase),
      size: 0,
      index: new SparseIndex(),
    };
    segments.push(last);
    const handle = await open(last.path, 'r+');
    try {
      const next = await recoverTail(handle, last, options.fsync);
      return new PartitionLog(dir, options, segments, handle, next, onAppend);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** Next offset to be written; every offset below it is durable. */
  get endOffset(): number {
    return this.next;
  }

  get startOffset(): number {
    return this.segments[0]!.base;
  }

  /** Queues records for the next group commit; resolves with the first record's offset once durable. */
  append(records: PendingRecord[]): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    if (this.failure) return Promise.reject(this.failure);
    let bytes = 0;
    for (const r of records) bytes += encodedSize(r);
    return new Promise((resolve, reject) => {
      this.queue.push({ records, bytes, resolve, reject });
      this.queuedBytes += bytes;
      // setImmediate rather than writing now: appends made in the same tick share the first write too.
      this.writing ??= new Promise((done) => setImmediate(() => this.writeLoop().finally(done)));
    });
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.writeBatch(batch);
        } catch (e) {
          for (const a of batch) a.reject(e);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private takeBatch(): PendingAppend[] {
    if (this.queuedBytes <= MAX_WRITE_BYTES) {
      const all = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      return all;
    }
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || bytes + this.queue[n]!.bytes <= MAX_WRITE_BYTES)) {
      bytes += this.queue[n]!.bytes;
      n++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, n);
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    if (this.failure) throw this.failure;
    let bytes = 0;
    for (const a of batch) bytes += a.bytes;
    if (this.writtenSize > 0 && this.writtenSize + bytes > this.options.segmentBytes) {
      try {
        await this.roll();
      } catch (e) {
        throw writeError(`could not start a new log segment in ${this.dir}`, e);
      }
    }

    const buf = this.writeBuffer(bytes);
    const view = new DataView(buf.buffer, buf.byteOffset, bytes);
    const firstOffsets: number[] = [];
    const indexEntries: number[] = [];
    const indexMark = this.lastIndexCandidate;
    let offset = this.assigned;
    let pos = 0;
    for (const a of batch) {
      firstOffsets.push(offset);
      for (const r of a.records) {
        const position = this.writtenSize + pos;
        // Only records the sparse index will keep, rather than a pair per record.
        if (position - this.lastIndexCandidate >= INDEX_INTERVAL) {
          indexEntries.push(offset, position);
          this.lastIndexCandidate = position;
        }
        pos = encodeRecord(buf, view, pos, offset, r);
        offset++;
      }
    }

    try {
      await writeFully(this.active, buf, this.writtenSize);
    } catch (e) {
      const error = writeError(`could not write log records in ${this.dir}`, e);
      this.lastIndexCandidate = indexMark;
      // Cut off whatever part of the write landed, so the next write continues a valid file.
      await this.active.truncate(this.writtenSize).catch(() => {
        this.failure = error;
      });
      throw error;
    }
    this.writtenSize += bytes;
    this.assigned = offset;
    this.written.push({
      appends: batch,
      firstOffsets,
      indexEntries,
      endOffset: offset,
      endPosition: this.writtenSize,
    });
    this.writtenSeq++;
    this.requestSync();
  }

  /**
   * The previous write has finished when the next one is encoded (writes are sequential), so one buffer is
   * reused: fresh large allocations cost a page fault per 4 KiB on first touch, which showed in profiles.
   */
  private writeBuffer(bytes: number): Buffer {
    if (bytes > REUSED_BUFFER_BYTES) return Buffer.allocUnsafe(bytes);
    if (!this.buffer || this.buffer.length < bytes) {
      this.buffer = Buffer.allocUnsafe(Math.min(REUSED_BUFFER_BYTES, Math.max(bytes, 256 * 1024)));
    }
    return this.buffer.subarray(0, bytes);
  }

  /**
   * Starts an fdatasync covering every write finished so far, unless one already covers them or enough are in
   * flight. Several syncs may overlap: the disk serves them in parallel, and a batch is durable as soon as any
   * sync that started after its write finishes.
   */
  private requestSync(): void {
    if (!this.options.fsync) {
      this.makeDurable(this.writtenSeq);
      return;
    }
    if (this.syncs.size >= MAX_CONCURRENT_SYNCS || this.syncRequestedSeq === this.writtenSeq) return;
    const upTo = this.writtenSeq;
    this.syncRequestedSeq = upTo;
    const sync: Promise<void> = this.active
      .datasync()
      .then(
        () => this.makeDurable(upTo),
        (e: unknown) => this.failSyncs(e),
      )
      .finally(() => {
        this.syncs.delete(sync);
        this.requestSync();
      });
    this.syncs.add(sync);
  }

  /** Acknowledges written batches up to (excluding) sequence number `upTo`. */
  private makeDurable(upTo: number): void {
    if (upTo <= this.durableSeq) return;
    const segment = this.segments[this.segments.length - 1]!;
    while (this.durableSeq < upTo && this.written.length > 0) {
      const b = this.written.shift()!;
      this.durableSeq++;
      for (let i = 0; i < b.indexEntries.length; i += 2)
        segment.index!.add(b.indexEntries[i]!, b.indexEntries[i + 1]!);
      segment.size = b.endPosition;
      this.next = b.endOffset;
      for (let i = 0; i < b.appends.length; i++) b.appends[i]!.resolve(b.firstOffsets[i]!);
    }
    this.onAppend();
  }

  private failSyncs(e: unknown): void {
    // After a failed fdatasync the kernel may already have dropped the dirty pages (so a retry would "succeed"
    // without the data): stop writing to this partition until the log is reopened and recovered.
    this.failure ??= writeError(`could not make log records durable in ${this.dir}`, e);
    for (const b of this.written.splice(0)) for (const a of b.appends) a.reject(this.failure);
    this.durableSeq = this.writtenSeq;
  }

  private async syncsDone(): Promise<void> {
    while (this.syncs.size > 0) await Promise.allSettled(this.syncs);
  }

  /** Seals the active segment once all of it is durable, and starts the next one, named by the next offset. */
  private async roll(): Promise<void> {
    await this.syncsDone();
    if (this.failure) throw this.failure;
    const path = segmentPath(this.dir, this.next);
    const handle = await open(path, 'wx+');
    if (this.options.fsync) await fsyncDir(this.dir);
    const previous = this.active;
    this.active = handle;
    this.writtenSize = 0;
    this.lastIndexCandidate = Number.NEGATIVE_INFINITY;
    await previous.close();
    const sealed = this.segments[this.segments.length - 1]!;
    this.rememberSealedIndex(sealed);
    this.segments.push({ base: this.next, path, size: 0, index: new SparseIndex() });
  }

  private rememberSealedIndex(segment: Segment): void {
    this.sealedIndexOrder.push(segment);
    if (this.sealedIndexOrder.length > SEALED_INDEXES_KEPT) this.sealedIndexOrder.shift()!.index = undefined;
  }

  /**
   * Records from `from` on, at most `maxRecords` and about `maxBytes` (always at least one record), read
   * sequentially in large chunks. Only durable records are visible.
   */
  async read(from: number, maxRecords: number, maxBytes: number): Promise<ReadRecord[]> {
    if (this.closed) throw closedError();
    const reading = this.readRecords(from, maxRecords, maxBytes);
    this.reading.add(reading);
    try {
      return await reading;
    } finally {
      this.reading.delete(reading);
    }
  }

  private async readRecords(from: number, maxRecords: number, maxBytes: number): Promise<ReadRecord[]> {
    const out: ReadRecord[] = [];
    if (maxRecords <= 0 || from >= this.next) return out;
    let wanted = Math.max(from, this.startOffset);
    let bytes = 0;
    for (let i = this.segmentIndexOf(wanted); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const limit = segment.size;
      const hint = this.readHints.get(wanted);
      const start = hint?.segment === segment ? hint.position : (await this.indexOf(segment)).floor(wanted);
      if (start >= limit) continue;
      const handle = await open(segment.path, 'r');
      let result: Awaited<ReturnType<typeof scanRecords>>;
      let after = -1;
      try {
        result = await scanRecords(handle, start, limit, (buf, r) => {
          after = r.offset + 1;
          if (r.offset < wanted) return true;
          const value = new Uint8Array(r.end - r.valueStart);
          value.set(buf.subarray(r.valueStart, r.end));
          out.push({
            offset: r.offset,
            key: buf.toString('utf8', r.keyStart, r.valueStart),
            value,
            timestamp: r.timestamp,
          });
          bytes += r.end - r.keyStart;
          return out.length < maxRecords && bytes < maxBytes;
        });
      } finally {
        await handle.close();
      }
      if (result.stop === 'corrupt') {
        throw new PlazaError(
          'event_log_corrupt',
          `log segment ${segment.path} is damaged at byte ${result.end} (${result.reason}); restore it from a backup or truncate it`,
          500,
        );
      }
      if (after >= 0) {
        wanted = Math.max(wanted, after);
        // Where the next read continues: also at the end of the data, so a caught-up consumer skips nothing.
        this.rememberReadHint(after, segment, result.end);
      }
      if (result.stop === 'visitor') break;
    }
    return out;
  }

  private rememberReadHint(offset: number, segment: Segment, position: number): void {
    this.readHints.delete(offset);
    this.readHints.set(offset, { segment, position });
    if (this.readHints.size > READ_HINTS_KEPT) this.readHints.delete(this.readHints.keys().next().value!);
  }

  private segmentIndexOf(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.base <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private async indexOf(segment: Segment): Promise<SparseIndex> {
    if (segment.index) return segment.index;
    const index = new SparseIndex();
    const handle = await open(segment.path, 'r');
    try {
      await scanRecords(handle, 0, segment.size, (_buf, r, position) => {
        index.add(r.offset, position);
        return true;
      });
    } finally {
      await handle.close();
    }
    segment.index ??= index;
    if (!this.sealedIndexOrder.includes(segment)) this.rememberSealedIndex(segment);
    return segment.index;
  }

  /** Waits for queued appends and running reads, then closes the active file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing || this.syncs.size > 0) {
      await this.writing;
      await this.syncsDone();
    }
    await Promise.allSettled(this.reading);
    await this.active.close();
  }
}

/** Scans the last segment, keeps the valid prefix of contiguous records and cuts off the rest. */
async function recoverTail(handle: FileHandle, segment: Segment, fsync: boolean): Promise<number> {
  const fileSize = (await handle.stat()).size;
  let next = segment.base;
  let validEnd = 0;
  // Stops at the first damaged record, or at one whose offset breaks the sequence: neither it nor anything
  // after it can be trusted, and after kill -9 that is exactly the unacknowledged tail.
  await scanRecords(handle, 0, fileSize, (_buf, r, position) => {
    if (r.offset !== next) return false;
    segment.index!.add(r.offset, position);
    next++;
    validEnd = position + (r.end - r.start);
    return true;
  });
  if (validEnd < fileSize) {
    await handle.truncate(validEnd);
    if (fsync) await handle.datasync();
  }
  segment.size = validEnd;
  return next;
}

const writeError = (message: string, cause: unknown): PlazaError =>
  new PlazaError('event_log_write_failed', `${message}: ${cause}`, 503, { cause });

const closedError = (): PlazaError => new PlazaError('event_log_closed', 'the event log is closed', 503);
