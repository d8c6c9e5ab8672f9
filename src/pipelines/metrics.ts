import { Counter, Histogram, type Registry } from 'prom-client';

export interface PipelineMetrics {
  executionSeconds: Histogram<'pipeline' | 'task' | 'status'>;
  rows: Counter<'pipeline' | 'task' | 'direction'>;
  failures: Counter<'pipeline' | 'task' | 'status'>;
}

/**
 * The orchestrator's metrics, registered in the app's registry. Whole runs are observed with task="" (an
 * empty label is the same as none in PromQL), tasks with their id. A registry that already holds them (two
 * runners in one process, as tests build) gets them reused rather than registered twice.
 */
export function pipelineMetrics(registry: Registry): PipelineMetrics {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    executionSeconds:
      existing('pipeline_execution_time_seconds') ??
      new Histogram({
        name: 'pipeline_execution_time_seconds',
        help: 'Duration of pipeline runs (task="") and of their tasks, by final status',
        labelNames: ['pipeline', 'task', 'status'] as const,
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600],
        registers: [registry],
      }),
    rows:
      existing('pipeline_rows_processed') ??
      new Counter({
        name: 'pipeline_rows_processed',
        help: 'Rows read (direction="in") and written (direction="out") by successful pipeline tasks',
        labelNames: ['pipeline', 'task', 'direction'] as const,
        registers: [registry],
      }),
    failures:
      existing('pipeline_failures_total') ??
      new Counter({
        name: 'pipeline_failures_total',
        help: 'Pipeline tasks that failed (after their retries) or failed a blocking quality check',
        labelNames: ['pipeline', 'task', 'status'] as const,
        registers: [registry],
      }),
  };
}
