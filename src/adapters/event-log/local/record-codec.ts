import { crc32 } from './crc32.js';

/**
 * On-disk record, little-endian:
 *
 *   u32 bodyLength | u32 crc32(body) | body
 *   body = u8 magic | u64 offset | f64 timestamp | u32 keyLength | key (UTF-8) | value
 *
 * The CRC covers the offset too, so a record copied to the wrong place or a torn tail is caught by the same
 * check. Storing the offset in every record lets recovery verify contiguity without a separate index.
 */
export const FRAME_BYTES = 8;
const FIXED_BODY_BYTES = 21;
const MAGIC = 1;
const TWO_32 = 2 ** 32;
/** Larger bodies are treated as garbage: no producer is allowed to write one (see MAX_VALUE_BYTES). */
const MAX_BODY_BYTES = 256 * 1024 * 1024;
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

export interface PendingRecord {
  key: string;
  keyBytes: number;
  value: Uint8Array;
  timestamp: number;
}

export function encodedSize(r: PendingRecord): number {
  return FRAME_BYTES + FIXED_BODY_BYTES + r.keyBytes + r.value.byteLength;
}

/**
 * Writes one record at `pos` and returns the position after it. `buf` must have room (see encodedSize); `view`
 * is a DataView over the same bytes (its setters are several times cheaper than Buffer's write methods).
 */
export function encodeRecord(
  buf: Buffer,
  view: DataView,
  pos: number,
  offset: number,
  r: PendingRecord,
): number {
  const body = pos + FRAME_BYTES;
  buf[body] = MAGIC;
  view.setUint32(body + 1, offset % TWO_32, true);
  view.setUint32(body + 5, Math.floor(offset / TWO_32), true);
  view.setFloat64(body + 9, r.timestamp, true);
  view.setUint32(body + 17, r.keyBytes, true);
  const keyStart = body + FIXED_BODY_BYTES;
  if (r.keyBytes > 0) buf.write(r.key, keyStart, r.keyBytes, 'utf8');
  buf.set(r.value, keyStart + r.keyBytes);
  const end = keyStart + r.keyBytes + r.value.byteLength;
  view.setUint32(pos, end - body, true);
  view.setUint32(pos + 4, crc32(buf.subarray(body, end)), true);
  return end;
}

/** Positions are relative to the buffer the record was parsed from. */
export interface RecordView {
  start: number;
  offset: number;
  timestamp: number;
  keyStart: number;
  valueStart: number;
  end: number;
}

export type ParseResult =
  | { status: 'ok'; record: RecordView }
  /** The buffer ends inside the record; `needed` counts bytes from the record's start. */
  | { status: 'incomplete'; needed: number }
  | { status: 'corrupt'; reason: string };

export function parseRecord(buf: Buffer, pos: number, limit: number): ParseResult {
  if (limit - pos < FRAME_BYTES) return { status: 'incomplete', needed: FRAME_BYTES };
  const bodyLength = buf.readUInt32LE(pos);
  if (bodyLength < FIXED_BODY_BYTES || bodyLength > MAX_BODY_BYTES) {
    return { status: 'corrupt', reason: `impossible record length ${bodyLength}` };
  }
  const body = pos + FRAME_BYTES;
  const end = body + bodyLength;
  if (end > limit) return { status: 'incomplete', needed: FRAME_BYTES + bodyLength };
  if (crc32(buf.subarray(body, end)) !== buf.readUInt32LE(pos + 4)) {
    return { status: 'corrupt', reason: 'checksum mismatch' };
  }
  if (buf[body] !== MAGIC) return { status: 'corrupt', reason: `unknown record format ${buf[body]}` };
  const keyBytes = buf.readUInt32LE(body + 17);
  const keyStart = body + FIXED_BODY_BYTES;
  if (keyStart + keyBytes > end) return { status: 'corrupt', reason: 'key overruns record' };
  return {
    status: 'ok',
    record: {
      start: pos,
      offset: buf.readUInt32LE(body + 5) * TWO_32 + buf.readUInt32LE(body + 1),
      timestamp: buf.readDoubleLE(body + 9),
      keyStart,
      valueStart: keyStart + keyBytes,
      end,
    },
  };
}
