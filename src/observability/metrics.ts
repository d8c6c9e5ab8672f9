import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one process. Names follow the seeds where they name one (service_requests_total,
 * service_errors_total); Plaza's own carry the plaza_ prefix.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    requests: new Counter({
      name: 'service_requests_total',
      help: 'HTTP requests by route and status class',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    errors: new Counter({
      name: 'service_errors_total',
      help: 'HTTP responses with status >= 400 by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'plaza_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    eventsAccepted: new Counter({
      name: 'plaza_events_accepted_total',
      help: 'Events durably appended to the event log',
      labelNames: ['project', 'shape'] as const,
      registers: [registry],
    }),
    eventsRejected: new Counter({
      name: 'plaza_events_rejected_total',
      help: 'Events kept as dead letters, by first issue kind',
      labelNames: ['project', 'kind'] as const,
      registers: [registry],
    }),
    eventsDeduplicated: new Counter({
      name: 'plaza_events_deduplicated_total',
      help: 'Events dropped because their id was already accepted within the dedup window',
      labelNames: ['project'] as const,
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'plaza_dead_letters_total',
      help: 'Dead letters written (invalid events and malformed requests)',
      labelNames: ['project'] as const,
      registers: [registry],
    }),
    logAppendSeconds: new Histogram({
      name: 'plaza_log_append_duration_seconds',
      help: 'Time to durably append one batch to the event log',
      labelNames: ['topic'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'plaza_consumer_lag',
      help: 'Records appended but not yet committed by a consumer group',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers: [registry],
    }),
    streamRecords: new Counter({
      name: 'plaza_stream_records_processed_total',
      help: 'Log records handled and committed, per consumer group (rate() gives events/s per processor)',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    streamLatency: new Histogram({
      name: 'plaza_stream_processing_latency_seconds',
      help: 'From append to the event log to the effects of its batch being durable, per consumer group',
      labelNames: ['group'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    streamFailures: new Counter({
      name: 'plaza_stream_batch_failures_total',
      help: 'Batches whose handler failed (they are retried from the last commit)',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'plaza_rate_limited_total',
      help: 'Requests answered 429',
      labelNames: ['project'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
