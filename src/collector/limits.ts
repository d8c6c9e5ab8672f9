/**
 * Size and shape limits, checked before an event is normalised. Segment's published limits (so a payload Segment
 * accepts, Plaza accepts) plus Plaza's own guards against payloads that are cheap to send and costly to store.
 * One walk over the parsed event measures everything, including its exact serialised size.
 */
import type { StepIssue } from '../core/result.js';

/** Segment: 32 KB per call. */
export const MAX_EVENT_BYTES = 32 * 1024;
/** Segment: 500 KB per batch request. */
export const MAX_BATCH_BYTES = 500 * 1024;
/** Segment: 2,500 events per batch. */
export const MAX_BATCH_EVENTS = 2_500;
/** Objects and arrays nested below the event's top level (/properties is level 1). */
export const MAX_DEPTH = 20;
/** Any one string (value or key), UTF-8 bytes. */
export const MAX_STRING_BYTES = 64 * 1024;
export const MAX_KEYS_PER_OBJECT = 1_000;
/** A pathological event could break every rule thousands of times; listing the first ones is enough to act on. */
export const MAX_ISSUES_PER_EVENT = 20;

export interface EventLimitReport {
  /** Bytes of JSON.stringify(event) in UTF-8 (exact unless the walk stopped at an over-deep branch). */
  bytes: number;
  issues: StepIssue[];
}

export const escapePointerToken = (key: string): string =>
  key.indexOf('~') === -1 && key.indexOf('/') === -1 ? key : key.replace(/~/g, '~0').replace(/\//g, '~1');

const fmt = (n: number): string => n.toLocaleString('en-US');

// Printable ASCII other than '"' and '\': one byte each in JSON, nothing escaped. Everything else goes the slow way.
const NEEDS_SCAN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/** Bytes of a string as JSON.stringify writes it, encoded as UTF-8, quotes included. */
export function jsonStringBytes(s: string): number {
  // Short strings (most of an event) are cheaper to scan here than to hand to the regex engine.
  if (s.length > 16 && !NEEDS_SCAN.test(s)) return s.length + 2;
  let n = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) n += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
    else if (c === 0x22 || c === 0x5c) n += 2;
    else if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i++;
      } else n += 6; // lone surrogate: JSON.stringify writes \udxxx
    } else if (c >= 0xdc00 && c <= 0xdfff) n += 6;
    else n += 3;
  }
  return n;
}

class Walk {
  readonly issues: StepIssue[] = [];
  private dropped = 0;
  private readonly path: string[] = [];

  pointer(last?: string): string {
    let p = '';
    for (const key of this.path) p += `/${escapePointerToken(key)}`;
    return last === undefined ? p : `${p}/${escapePointerToken(last)}`;
  }

  add(kind: string, pointer: string, message: string): void {
    if (this.issues.length < MAX_ISSUES_PER_EVENT) this.issues.push({ kind, pointer, message });
    else this.dropped++;
  }

  finish(): StepIssue[] {
    if (this.dropped > 0) {
      this.issues.push({
        kind: 'size_violation',
        pointer: '',
        message: `${fmt(this.dropped)} more limit violations like the ones above were not listed`,
      });
    }
    return this.issues;
  }

  string(s: string, key?: string): number {
    const bytes = jsonStringBytes(s);
    // bytes − 2 quotes ≥ UTF-8 length, so only a string close to the limit needs its exact UTF-8 size.
    if (bytes - 2 > MAX_STRING_BYTES && Buffer.byteLength(s, 'utf8') > MAX_STRING_BYTES) {
      const p = this.pointer(key);
      this.add(
        'size_violation',
        p,
        `${p || 'the event'} is a string of ${fmt(Buffer.byteLength(s, 'utf8'))} bytes; strings may be at most ` +
          `${fmt(MAX_STRING_BYTES)} bytes (64 KB)`,
      );
    }
    return bytes;
  }

  value(v: unknown, depth: number): number {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        return Number.isFinite(v) ? String(v).length : 4;
      case 'boolean':
        return v ? 4 : 5;
      case 'object':
        break;
      default:
        return 4; // undefined/function in an array serialise as null; parsed JSON never has them
    }
    if (v === null) return 4;
    if (depth > MAX_DEPTH) {
      const p = this.pointer();
      this.add('malformed', p, `${p} is nested more than ${MAX_DEPTH} levels deep; flatten the structure`);
      return 2;
    }
    if (Array.isArray(v)) {
      let n = 2 + Math.max(0, v.length - 1);
      for (let i = 0; i < v.length; i++) {
        this.path.push(String(i));
        n += this.value(v[i], depth + 1);
        this.path.pop();
      }
      return n;
    }
    const obj = v as Record<string, unknown>;
    let n = 2;
    let keys = 0;
    for (const key in obj) {
      const item = obj[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      if (keys > 0) n += 1;
      keys++;
      n += this.string(key, key) + 1;
      this.path.push(key);
      n += this.value(item, depth + 1);
      this.path.pop();
    }
    if (keys > MAX_KEYS_PER_OBJECT) {
      const p = this.pointer();
      this.add(
        'size_violation',
        p,
        `${p || 'the event'} has ${fmt(keys)} keys; an object may have at most ${fmt(MAX_KEYS_PER_OBJECT)}`,
      );
    }
    return n;
  }
}

/** Every limit an event breaks, with its serialised size. */
export function checkEventLimits(event: unknown): EventLimitReport {
  const walk = new Walk();
  const bytes = walk.value(event, 0);
  if (bytes > MAX_EVENT_BYTES) {
    walk.add(
      'size_violation',
      '',
      `the event is ${fmt(bytes)} bytes serialised; at most ${fmt(MAX_EVENT_BYTES)} (32 KB) are allowed per event, ` +
        'as in Segment: move large blobs out of the event and send a reference instead',
    );
  }
  return { bytes, issues: walk.finish() };
}

/** The collector's limit step: the issues of checkEventLimits. (The context is unused: the limits are global.) */
export function eventLimitIssues(event: unknown, _ctx?: unknown): StepIssue[] {
  return checkEventLimits(event).issues;
}

/** A batch request as a whole: its body size in bytes and its number of events. */
export function batchLimitIssues(bodyBytes: number, events: number, eventsPointer = '/batch'): StepIssue[] {
  const issues: StepIssue[] = [];
  if (bodyBytes > MAX_BATCH_BYTES) {
    issues.push({
      kind: 'size_violation',
      pointer: '',
      message: `the batch is ${fmt(bodyBytes)} bytes; at most ${fmt(MAX_BATCH_BYTES)} (500 KB) are allowed per request: split it`,
    });
  }
  if (events > MAX_BATCH_EVENTS) {
    issues.push({
      kind: 'size_violation',
      pointer: eventsPointer,
      message: `${eventsPointer} holds ${fmt(events)} events; at most ${fmt(MAX_BATCH_EVENTS)} are allowed per request: split it`,
    });
  }
  return issues;
}
