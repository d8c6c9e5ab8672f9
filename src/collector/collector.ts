import { randomUUID } from 'node:crypto';
import type { PlazaEvent } from '../core/envelope.js';
import { PlazaError } from '../core/errors.js';
import type { StepIssue, StepResult } from '../core/result.js';
import { safeStringify } from '../core/safe-json.js';
import type { DeadLetter } from '../deadletters/types.js';
import type { Metrics } from '../observability/metrics.js';
import type { EventLog, LogRecord } from '../ports/event-log.js';
import type { SchemaRegistry } from '../schemas/registry.js';
import { validateEvent } from '../schemas/validate.js';
import type { DedupIndex } from './dedup.js';
import { anonymizeIp, enrich } from './enrich/index.js';
import { eventLimitIssues } from './limits.js';
import { normalizeNative } from './normalize/native.js';
import { normalizeSegment } from './normalize/segment.js';
import { partitionKey, topicFor, topics } from './topics.js';
import type { IngestContext, SegmentType } from './types.js';

export interface IngestItem {
  raw: unknown;
  shape: 'native' | 'segment';
  segmentType?: SegmentType;
}

export interface Rejection {
  index: number;
  errors: StepIssue[];
}

export interface IngestOutcome {
  accepted: number;
  deduplicated: number;
  rejected: Rejection[];
}

export interface CollectorDeps {
  log: EventLog;
  registry: SchemaRegistry;
  dedup: DedupIndex;
  metrics: Metrics;
}

const encoder = new TextEncoder();
// normalize/ builds events with event_id and project_id as their first keys, so the JSON starts with them
// and rebuilding the dedup index can read them without parsing whole events (dedup-rebuild.ts falls back to
// a full parse when they are not first).
export const encodeEvent = (e: PlazaEvent): Uint8Array => encoder.encode(JSON.stringify(e));
export const decodeEvent = (bytes: Uint8Array): PlazaEvent =>
  JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as PlazaEvent;

/**
 * The collection path for one request: every item is checked, normalised, validated and enriched on its own
 * (one bad event never sinks its batch); accepted events and dead letters are then appended to the event
 * log, and only once both appends are durable does the caller answer. Ordering constraints:
 * - limits run before normalising, so a huge or deeply nested item is never walked twice;
 * - dedup runs last, so an invalid event never claims an id (its corrected retry must be accepted);
 * - a claimed id is released if the append fails, so the client's retry is not taken for a duplicate.
 */
export class Collector {
  constructor(private readonly deps: CollectorDeps) {}

  /** Runs one item through the pure steps; no I/O. */
  process(item: IngestItem, ctx: IngestContext): StepResult<PlazaEvent> {
    const limits = eventLimitIssues(item.raw, ctx);
    if (limits.length > 0) return { type: 'dead_letter', issues: limits };
    const normalized =
      item.shape === 'native'
        ? normalizeNative(item.raw, ctx)
        : normalizeSegment(item.raw, ctx, item.segmentType);
    if (normalized.type !== 'ok') return normalized;
    const validated = validateEvent(this.deps.registry, normalized.value, ctx.settings.unknownEventPolicy);
    if (validated.type !== 'ok') return validated;
    return { type: 'ok', value: enrich(validated.value, ctx) };
  }

  async ingest(items: IngestItem[], ctx: IngestContext, requestId: string): Promise<IngestOutcome> {
    const { dedup, metrics } = this.deps;
    const accepted: PlazaEvent[] = [];
    const rejected: Rejection[] = [];
    const deadLetters: DeadLetter[] = [];
    let deduplicated = 0;
    const receivedMs = ctx.receivedAt.getTime();

    items.forEach((item, index) => {
      const r = this.process(item, ctx);
      if (r.type === 'ok') {
        if (dedup.claim(r.value.project_id, r.value.event_id, receivedMs)) accepted.push(r.value);
        else deduplicated++;
      } else if (r.type === 'dead_letter') {
        rejected.push({ index, errors: r.issues });
        deadLetters.push(this.deadLetter(item, ctx, requestId, index, r.issues));
      }
    });

    try {
      await Promise.all([this.appendEvents(accepted), this.appendDeadLetters(deadLetters)]);
    } catch (e) {
      for (const ev of accepted) dedup.release(ev.project_id, ev.event_id);
      throw new PlazaError('log_unavailable', 'events could not be stored durably; retry the request', 503, {
        cause: e,
      });
    }

    const project = ctx.projectId;
    if (accepted.length) metrics.eventsAccepted.inc({ project, shape: items[0]!.shape }, accepted.length);
    if (deduplicated) metrics.eventsDeduplicated.inc({ project }, deduplicated);
    for (const r of rejected) metrics.eventsRejected.inc({ project, kind: r.errors[0]?.kind ?? 'unknown' });
    return { accepted: accepted.length, deduplicated, rejected };
  }

  /** Keeps a whole request that could not be parsed (authenticated, so attributable to a source). */
  async keepMalformedRequest(
    payload: string,
    ctx: IngestContext,
    requestId: string,
    error: StepIssue,
  ): Promise<void> {
    const item: IngestItem = { raw: payload, shape: 'native' };
    await this.appendDeadLetters([this.deadLetter(item, ctx, requestId, null, [error])]);
  }

  /** Appends events that were validated elsewhere (dead-letter replay). Returns false for a duplicate. */
  async appendOne(event: PlazaEvent): Promise<boolean> {
    if (!this.deps.dedup.claim(event.project_id, event.event_id, Date.parse(event.received_at))) return false;
    try {
      await this.appendEvents([event]);
    } catch (e) {
      this.deps.dedup.release(event.project_id, event.event_id);
      throw e;
    }
    this.deps.metrics.eventsAccepted.inc({ project: event.project_id, shape: event.source.shape });
    return true;
  }

  private async appendEvents(events: PlazaEvent[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, LogRecord[]>();
    const now = Date.now();
    for (const e of events) {
      const topic = topicFor(e);
      const list = byTopic.get(topic) ?? [];
      if (list.length === 0) byTopic.set(topic, list);
      list.push({ key: partitionKey(e), value: encodeEvent(e), timestamp: now });
    }
    await Promise.all(
      [...byTopic].map(async ([topic, records]) => {
        const end = this.deps.metrics.logAppendSeconds.startTimer({ topic });
        await this.deps.log.append(topic, records);
        end();
      }),
    );
  }

  private async appendDeadLetters(items: DeadLetter[]): Promise<void> {
    if (items.length === 0) return;
    const now = Date.now();
    await this.deps.log.append(
      topics.deadLetters,
      items.map((d) => ({ key: d.project_id, value: encoder.encode(JSON.stringify(d)), timestamp: now })),
    );
    this.deps.metrics.deadLetters.inc({ project: items[0]!.project_id }, items.length);
  }

  private deadLetter(
    item: IngestItem,
    ctx: IngestContext,
    requestId: string,
    index: number | null,
    errors: StepIssue[],
  ): DeadLetter {
    let payload: string;
    try {
      payload =
        typeof item.raw === 'string' && index === null
          ? item.raw
          : safeStringify(withAnonymisedIp(item.raw, ctx));
    } catch {
      payload = String(item.raw);
    }
    return {
      id: randomUUID(),
      project_id: ctx.projectId,
      key_id: ctx.keyId,
      received_at: ctx.receivedAt.toISOString(),
      request_id: requestId,
      shape: item.shape,
      segment_type: item.segmentType ?? null,
      batch_index: index,
      payload,
      errors,
      request_ip: ctx.requestIp ? anonymizeIp(ctx.requestIp, ctx.settings.ipMode) : null,
      request_user_agent: ctx.requestUserAgent,
      sent_at: ctx.sentAt,
    };
  }
}

/**
 * Dead letters keep the payload as sent, except the client IP, which is anonymised like an accepted event's
 * (nothing stored may hold a full IP unless the project keeps them). Anonymising twice is harmless, so a
 * replay still works.
 */
function withAnonymisedIp(raw: unknown, ctx: IngestContext): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const context = (raw as { context?: unknown }).context;
  if (typeof context !== 'object' || context === null || typeof (context as { ip?: unknown }).ip !== 'string')
    return raw;
  const ip = anonymizeIp((context as { ip: string }).ip, ctx.settings.ipMode);
  return { ...raw, context: { ...context, ip } };
}
