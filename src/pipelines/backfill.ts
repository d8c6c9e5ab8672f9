import { PlazaError } from '../core/errors.js';
import { pipelinePartitioning } from './dag.js';
import type { RunHistory, RunStatus } from './history.js';
import { addDays, daysBetween, parsePartition, today } from './partitions.js';
import type { PipelineDef } from './types.js';

const maxBackfillDays = 3660;

export type Reprocess = 'missing' | 'failed' | 'all';

export interface BackfillOptions {
  from: string;
  to: string;
  reprocess?: Reprocess;
  dryRun?: boolean;
  concurrency?: number;
}

export interface BackfillPlan {
  pipeline: string;
  from: string;
  to: string;
  reprocess: Reprocess;
  /** Days that run, oldest first, with the status of their latest run (null: never run). */
  plan: { partition: string; last_status: RunStatus | null }[];
  skipped: {
    partition: string;
    last_status: RunStatus | null;
    reason: 'already_succeeded' | 'not_failed' | 'active';
  }[];
}

/**
 * Which days of a range a backfill runs: checks the range (real days, in order, not in the future, at most
 * ten years), then sorts each day by its history. A day with an active run is never queued twice.
 */
export async function planBackfill(
  history: RunHistory,
  def: PipelineDef,
  o: BackfillOptions,
  at: { timeZone: string; now: Date },
): Promise<BackfillPlan> {
  if (pipelinePartitioning(def) !== 'daily') {
    throw new PlazaError(
      'pipeline_not_partitioned',
      `pipeline "${def.id}" has no daily tasks, so there are no days to backfill; run it instead`,
      400,
    );
  }
  const from = parsePartition(o.from, 'from');
  const to = parsePartition(o.to, 'to');
  if (from > to) throw new PlazaError('invalid_range', `from (${from}) is after to (${to})`, 400);
  const last = today(at.timeZone, at.now);
  if (to > last) {
    throw new PlazaError(
      'partition_in_future',
      `to (${to}) is after today (${last} in ${at.timeZone}); days that have not started have no data`,
      400,
    );
  }
  if (addDays(from, maxBackfillDays - 1) < to) {
    throw new PlazaError(
      'range_too_large',
      `a backfill covers at most ${maxBackfillDays} days; split ${from}..${to} into smaller ranges`,
      400,
    );
  }
  const reprocess = o.reprocess ?? 'missing';
  const states = await history.partitionStates(def.id, from, to);
  const plan: BackfillPlan['plan'] = [];
  const skipped: BackfillPlan['skipped'] = [];
  for (const partition of daysBetween(from, to)) {
    const st = states.get(partition);
    const last_status = st?.latest ?? null;
    if (last_status === 'queued' || last_status === 'running') {
      skipped.push({ partition, last_status, reason: 'active' });
    } else if (reprocess === 'missing' && st?.succeeded) {
      skipped.push({ partition, last_status, reason: 'already_succeeded' });
    } else if (reprocess === 'failed' && last_status !== 'failed' && last_status !== 'interrupted') {
      skipped.push({ partition, last_status, reason: 'not_failed' });
    } else {
      plan.push({ partition, last_status });
    }
  }
  return { pipeline: def.id, from, to, reprocess, plan, skipped };
}
