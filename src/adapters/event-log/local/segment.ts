import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readFully } from './files.js';
import { parseRecord, type RecordView } from './record-codec.js';

/**
 * A partition is a folder of segment files named by the offset of their first record, so the segment holding
 * an offset is found from the directory listing alone, and retention can delete whole old files.
 */
const SEGMENT_NAME = /^(\d{20})\.log$/;

export const segmentFileName = (base: number): string => `${String(base).padStart(20, '0')}.log`;

export function segmentBases(names: string[]): number[] {
  const bases: number[] = [];
  for (const name of names) {
    const m = SEGMENT_NAME.exec(name);
    if (m) bases.push(Number(m[1]));
  }
  return bases.sort((a, b) => a - b);
}

/** Sparse offset → file position index: one entry per INDEX_INTERVAL bytes, so reads skip at most that much. */
export const INDEX_INTERVAL = 32 * 1024;

export class SparseIndex {
  private readonly offsets: number[] = [];
  private readonly positions: number[] = [];
  private lastPosition = Number.NEGATIVE_INFINITY;

  /** Call for records in file order. */
  add(offset: number, position: number): void {
    if (position - this.lastPosition < INDEX_INTERVAL) return;
    this.offsets.push(offset);
    this.positions.push(position);
    this.lastPosition = position;
  }

  /** File position of a record at or before `offset` (0 when the index knows none). */
  floor(offset: number): number {
    let lo = 0;
    let hi = this.offsets.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid]! <= offset) {
        found = this.positions[mid]!;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}

export interface Segment {
  base: number;
  path: string;
  /** Bytes known durable and valid; readers never look past this. */
  size: number;
  /** Loaded lazily for sealed segments; always present for the active one. */
  index: SparseIndex | undefined;
}

export const segmentPath = (dir: string, base: number): string => join(dir, segmentFileName(base));

export interface ScanResult {
  /** Position after the last record handed to the visitor (or the stop position on corruption). */
  end: number;
  stop: 'limit' | 'visitor' | 'corrupt';
  reason?: string;
}

const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads records sequentially in large chunks from `start` up to `limit`, calling `visit` for each (return false
 * to stop after that record). The buffer is reused between chunks: the visitor must copy what it keeps. A record
 * cut off by `limit` counts as corruption, which is what a torn tail looks like.
 */
export async function scanRecords(
  handle: FileHandle,
  start: number,
  limit: number,
  visit: (buf: Buffer, record: RecordView, position: number) => boolean,
): Promise<ScanResult> {
  let buf = Buffer.allocUnsafe(Math.max(64, Math.min(CHUNK_BYTES, limit - start)));
  let pos = start;
  while (pos < limit) {
    const wanted = Math.min(buf.length, limit - pos);
    const got = await readFully(handle, buf, wanted, pos);
    // A file shorter than expected: whatever is missing is cut off.
    const chunkLimit = got;
    let p = 0;
    for (;;) {
      const r = parseRecord(buf, p, chunkLimit);
      if (r.status === 'ok') {
        const more = visit(buf, r.record, pos + p);
        p = r.record.end;
        if (!more) return { end: pos + p, stop: 'visitor' };
        continue;
      }
      if (r.status === 'corrupt') return { end: pos + p, stop: 'corrupt', reason: r.reason };
      if (pos + p === limit) return { end: limit, stop: 'limit' };
      if (got < wanted || pos + p + r.needed > limit) {
        return { end: pos + p, stop: 'corrupt', reason: 'record cut off at end of segment' };
      }
      if (p === 0) buf = Buffer.allocUnsafe(Math.max(r.needed, Math.min(CHUNK_BYTES, limit - pos)));
      break;
    }
    pos += p;
  }
  return { end: pos, stop: 'limit' };
}
