import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../observability/metrics.js';
import type { EventLog } from '../../ports/event-log.js';

export interface HealthDeps {
  metrics: Metrics;
  log: EventLog;
  /** Each store's liveness probe; readiness fails when any throws. */
  probes: Record<string, () => Promise<void>>;
  /** Consumer groups whose lag is reported, with the topics they read. */
  groups: { group: string; topics: string[] }[];
  isShuttingDown: () => boolean;
}

export async function consumerLag(log: EventLog, groups: HealthDeps['groups']) {
  const out: {
    group: string;
    topic: string;
    partition: number;
    end: number;
    committed: number;
    lag: number;
  }[] = [];
  for (const { group, topics } of groups) {
    for (const topic of topics) {
      const [ends, committed] = await Promise.all([
        log.endOffsets(topic),
        log.committedOffsets(group, topic),
      ]);
      ends.forEach((end, partition) => {
        const c = committed[partition] ?? 0;
        out.push({ group, topic, partition, end, committed: c, lag: Math.max(0, end - c) });
      });
    }
  }
  return out;
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness: the process answers' }, logLevel: 'warn' },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: every store answers' }, logLevel: 'warn' },
    async (_request, reply) => {
      if (deps.isShuttingDown()) return reply.status(503).send({ status: 'shutting_down' });
      const checks: Record<string, string> = {};
      let ok = true;
      await Promise.all(
        Object.entries(deps.probes).map(async ([name, probe]) => {
          try {
            await probe();
            checks[name] = 'ok';
          } catch (e) {
            ok = false;
            checks[name] = `failing: ${(e as Error).message}`;
          }
        }),
      );
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks });
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics (text format)' }, logLevel: 'warn' },
    async (_request, reply) => {
      for (const l of await consumerLag(deps.log, deps.groups)) {
        deps.metrics.consumerLag.set(
          { group: l.group, topic: l.topic, partition: String(l.partition) },
          l.lag,
        );
      }
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  );

  app.get(
    '/v1/health/ingestion',
    { schema: { tags: ['operations'], summary: 'Consumer lag per group and partition: is data late?' } },
    async () => {
      const lag = await consumerLag(deps.log, deps.groups);
      const total = lag.reduce((s, l) => s + l.lag, 0);
      return { status: total === 0 ? 'caught_up' : 'lagging', total_lag: total, consumers: lag };
    },
  );
}
