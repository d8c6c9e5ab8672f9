import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../observability/metrics.js';
import { opsSummary } from '../../observability/ops-summary.js';
import { access } from '../access.js';

const count = { type: 'integer', minimum: 0 } as const;
const msOrNull = {
  type: ['number', 'null'],
  description: 'milliseconds; null before any API request',
} as const;

/** `GET /v1/admin/ops`: latency, error rate, uptime and event counts of this process, for the admin dashboard. */
export function registerOpsRoutes(app: FastifyInstance, deps: { metrics: Metrics; startedAt: number }): void {
  app.get(
    '/v1/admin/ops',
    {
      config: { access: access.admin },
      schema: {
        tags: ['admin'],
        summary: 'Operations KPIs of this process: API latency, error rate, uptime, events',
        description:
          'From the Prometheus registry of the process (what /metrics exposes), since it started. Only API ' +
          'routes (/v1/…) count; latency quantiles are estimated from the histogram buckets like ' +
          "Prometheus' histogram_quantile. error_rate = 5xx answers / API requests.",
        response: {
          200: {
            type: 'object',
            required: ['started_at', 'uptime_seconds', 'requests', 'latency', 'events'],
            properties: {
              started_at: { type: 'string', format: 'date-time' },
              uptime_seconds: count,
              requests: {
                type: 'object',
                required: ['total', 'client_errors', 'server_errors', 'error_rate'],
                properties: {
                  total: count,
                  client_errors: count,
                  server_errors: count,
                  error_rate: {
                    type: ['number', 'null'],
                    description: '5xx / total; null before any request',
                  },
                },
              },
              latency: {
                type: 'object',
                required: ['count', 'p50_ms', 'p95_ms', 'p99_ms'],
                properties: { count, p50_ms: msOrNull, p95_ms: msOrNull, p99_ms: msOrNull },
              },
              events: {
                type: 'object',
                required: ['accepted', 'rejected', 'deduplicated'],
                properties: { accepted: count, rejected: count, deduplicated: count },
              },
            },
          },
        },
      },
    },
    async () => opsSummary(deps.metrics, deps.startedAt),
  );
}
