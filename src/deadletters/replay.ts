import type { Collector } from '../collector/collector.js';
import type { ProjectSettings } from '../collector/types.js';
import { PlazaError } from '../core/errors.js';
import type { DeadLetterStore } from './store.js';
import type { StoredDeadLetter } from './types.js';

export interface ReplayResult {
  id: string;
  status: 'replayed' | 'duplicate' | 'still_invalid' | 'skipped';
  errors?: { kind: string; pointer: string; message: string }[];
}

/**
 * Re-runs dead letters through the collection steps with their original request context and the current
 * schemas and settings (the point of replay: fix the schema, then replay). Accepted ones are appended to
 * the event log and marked replayed; the others keep their new reasons.
 */
export async function replayDeadLetters(
  ids: string[],
  deps: {
    store: DeadLetterStore;
    collector: Collector;
    settingsOf: (projectId: string) => Promise<ProjectSettings>;
  },
): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for (const id of ids) {
    const dl = await deps.store.get(id);
    if (!dl) throw new PlazaError('dead_letter_not_found', `no dead letter "${id}"`, 404);
    results.push(await replayOne(dl, deps));
  }
  return results;
}

async function replayOne(
  dl: StoredDeadLetter,
  deps: {
    store: DeadLetterStore;
    collector: Collector;
    settingsOf: (projectId: string) => Promise<ProjectSettings>;
  },
): Promise<ReplayResult> {
  if (dl.status === 'replayed') return { id: dl.id, status: 'skipped' };
  let raw: unknown;
  try {
    raw = JSON.parse(dl.payload);
  } catch (e) {
    const errors = [
      { kind: 'malformed', pointer: '', message: `payload is not JSON: ${(e as Error).message}` },
    ];
    await deps.store.markReplayFailed(dl.id, errors);
    return { id: dl.id, status: 'still_invalid', errors };
  }
  const ctx = {
    projectId: dl.project_id,
    keyId: dl.key_id,
    receivedAt: new Date(dl.received_at),
    requestIp: dl.request_ip,
    requestUserAgent: dl.request_user_agent,
    sentAt: dl.sent_at,
    settings: await deps.settingsOf(dl.project_id),
  };
  const r = deps.collector.process(
    { raw, shape: dl.shape, ...(dl.segment_type ? { segmentType: dl.segment_type as never } : {}) },
    ctx,
  );
  if (r.type !== 'ok') {
    const errors =
      r.type === 'dead_letter' ? r.issues : [{ kind: 'dropped', pointer: '', message: r.reason }];
    await deps.store.markReplayFailed(dl.id, errors);
    return { id: dl.id, status: 'still_invalid', errors };
  }
  const fresh = await deps.collector.appendOne(r.value);
  await deps.store.markReplayed(dl.id);
  return { id: dl.id, status: fresh ? 'replayed' : 'duplicate' };
}
