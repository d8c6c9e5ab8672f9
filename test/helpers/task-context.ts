import { createLogger } from '../../src/observability/logger.js';
import type { ProjectInfo, TaskContext } from '../../src/pipelines/types.js';
import type { StateStore } from '../../src/ports/state.js';
import type { Warehouse } from '../../src/ports/warehouse.js';

/** A TaskContext as the orchestrator builds one, over real stores; `lines` collects ctx.log. */
export function taskContext(o: {
  warehouse: Warehouse;
  state: StateStore;
  partition: string | null;
  window?: { since: Date | null; until: Date };
  projects?: ProjectInfo[];
  pipeline?: string;
  task?: string;
  runId?: string;
}): TaskContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    pipeline: o.pipeline ?? 'daily',
    task: o.task ?? 'build',
    runId: o.runId ?? `run-${Math.random().toString(36).slice(2, 10)}`,
    partition: o.partition,
    window: o.window ?? null,
    warehouse: o.warehouse,
    state: o.state,
    projects: o.projects ?? [{ id: 'okla', timeZone: 'America/Santo_Domingo' }],
    signal: new AbortController().signal,
    logger: createLogger('silent'),
    log: (m) => void lines.push(m),
    lines,
  };
}
