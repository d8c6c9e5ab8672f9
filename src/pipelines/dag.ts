import { Cron } from 'croner';
import { PlazaError } from '../core/errors.js';
import type { Partitioning, PipelineDef, TaskDef } from './types.js';

const idPattern = /^[a-z][a-z0-9_-]{0,62}$/;
/** Path segments of the API that a pipeline id must not shadow (`/v1/pipelines/runs/{runId}`). */
const reservedIds = new Set(['runs']);

const invalid = (message: string, details?: unknown) =>
  new PlazaError('pipeline_invalid', message, 500, details === undefined ? {} : { details });

/**
 * Checks one definition and returns its tasks in a topological order that keeps declaration order among
 * tasks that do not depend on each other (Kahn's algorithm with a queue ordered by position), so that runs
 * and logs read in the order the author wrote the tasks.
 */
export function topologicalOrder(pipeline: PipelineDef): TaskDef[] {
  const where = `pipeline "${pipeline.id}"`;
  if (!idPattern.test(pipeline.id) || reservedIds.has(pipeline.id)) {
    throw invalid(
      `${where}: ids are 1-63 lowercase letters, digits, '-' or '_', starting with a letter, and not "runs"`,
    );
  }
  if (!pipeline.version) throw invalid(`${where} has no version`);
  try {
    new Cron(pipeline.schedule, { paused: true });
  } catch (e) {
    throw invalid(
      `${where}: schedule "${pipeline.schedule}" is not a cron expression: ${(e as Error).message}`,
    );
  }
  if (pipeline.tasks.length === 0) throw invalid(`${where} has no tasks`);
  const byId = new Map<string, { task: TaskDef; position: number }>();
  for (const [position, task] of pipeline.tasks.entries()) {
    if (!idPattern.test(task.id)) {
      throw invalid(`${where}: task id "${task.id}" must be 1-63 lowercase letters, digits, '-' or '_'`);
    }
    if (byId.has(task.id)) throw invalid(`${where}: task id "${task.id}" is declared twice`);
    byId.set(task.id, { task, position });
  }
  const dependents = new Map<string, string[]>();
  const missing = new Map<string, number>();
  for (const task of pipeline.tasks) {
    const deps = task.dependsOn ?? [];
    if (new Set(deps).size !== deps.length)
      throw invalid(`${where}: task "${task.id}" lists a dependency twice`);
    for (const dep of deps) {
      if (!byId.has(dep)) {
        throw invalid(
          `${where}: task "${task.id}" depends on unknown task "${dep}" (tasks: ${[...byId.keys()].join(', ')})`,
        );
      }
      if (dep === task.id) throw invalid(`${where}: task "${task.id}" depends on itself`);
      dependents.set(dep, [...(dependents.get(dep) ?? []), task.id]);
    }
    missing.set(task.id, deps.length);
    if (task.partitioning === 'incremental' && task.lookbackMs !== undefined && !(task.lookbackMs >= 0)) {
      throw invalid(`${where}: task "${task.id}" has a negative lookbackMs`);
    }
    if (task.timeoutMs !== undefined && !(task.timeoutMs > 0)) {
      throw invalid(`${where}: task "${task.id}" needs a positive timeoutMs`);
    }
    if (
      task.retry &&
      !(task.retry.retries >= 0 && task.retry.baseDelayMs >= 0 && task.retry.maxDelayMs >= 0)
    ) {
      throw invalid(`${where}: task "${task.id}" has a negative retry setting`);
    }
    const checkIds = (task.checks ?? []).map((c) => c.id);
    const dupCheck = checkIds.find((id, i) => checkIds.indexOf(id) !== i);
    if (dupCheck) throw invalid(`${where}: task "${task.id}" declares check "${dupCheck}" twice`);
  }
  const position = (id: string) => byId.get(id)!.position;
  const ready = pipeline.tasks.filter((t) => missing.get(t.id) === 0).map((t) => t.id);
  const order: TaskDef[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => position(a) - position(b));
    const id = ready.shift()!;
    order.push(byId.get(id)!.task);
    for (const next of dependents.get(id) ?? []) {
      const left = missing.get(next)! - 1;
      missing.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (order.length !== pipeline.tasks.length) {
    const cycle = findCycle(pipeline, new Set(order.map((t) => t.id)));
    throw invalid(`${where}: tasks form a cycle (upstream → downstream): ${cycle.join(' → ')}`, { cycle });
  }
  return order;
}

/** One cycle among the tasks Kahn's algorithm could not order, for the error message. */
function findCycle(pipeline: PipelineDef, ordered: Set<string>): string[] {
  const deps = new Map(pipeline.tasks.map((t) => [t.id, (t.dependsOn ?? []).filter((d) => !ordered.has(d))]));
  const start = pipeline.tasks.find((t) => !ordered.has(t.id))!.id;
  // Every unordered task has an unordered dependency, so walking dependencies must revisit a task.
  const path: string[] = [];
  const seen = new Map<string, number>();
  let at = start;
  while (!seen.has(at)) {
    seen.set(at, path.length);
    path.push(at);
    at = deps.get(at)![0]!;
  }
  return [...path.slice(seen.get(at)!), at].reverse();
}

/** Validates a set of pipelines (each a DAG; ids unique) and returns the task order of each. */
export function validatePipelines(pipelines: readonly PipelineDef[]): Map<string, TaskDef[]> {
  const orders = new Map<string, TaskDef[]>();
  for (const p of pipelines) {
    if (orders.has(p.id)) throw invalid(`pipeline "${p.id}" is declared twice`);
    orders.set(p.id, topologicalOrder(p));
  }
  return orders;
}

/** A pipeline is daily when any task is: its runs then need a partition (a local day). */
export function pipelinePartitioning(pipeline: PipelineDef): Partitioning {
  if (pipeline.tasks.some((t) => t.partitioning === 'daily')) return 'daily';
  if (pipeline.tasks.some((t) => t.partitioning === 'incremental')) return 'incremental';
  return 'none';
}
