import { mkdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { accountMigrations } from '../accounts/migrations.js';
import { registerUserRoutes } from '../accounts/routes.js';
import { Users } from '../accounts/users.js';
import { LocalEventLog } from '../adapters/event-log/local/local-event-log.js';
import { MemoryKeyValue } from '../adapters/kv/memory.js';
import { RedisKeyValue } from '../adapters/kv/redis.js';
import { PgliteState } from '../adapters/state/pglite.js';
import { PostgresState } from '../adapters/state/postgres.js';
import { DuckDbWarehouse } from '../adapters/warehouse/duckdb/duckdb-warehouse.js';
import { Collector } from '../collector/collector.js';
import { DedupIndex } from '../collector/dedup.js';
import { rebuildDedupIndex } from '../collector/dedup-rebuild.js';
import { eventTopics, topics } from '../collector/topics.js';
import { defaultProjectSettings } from '../collector/types.js';
import type { PlazaConfig } from '../config/config.js';
import { migrate } from '../core/migrate.js';
import { deadLetterGroup, startDeadLetterMover } from '../deadletters/mover.js';
import { DeadLetterStore, deadLetterMigrations } from '../deadletters/store.js';
import { RateLimiter } from '../http/rate-limit.js';
import { registerAdminRoutes } from '../http/routes/admin.js';
import { registerHealthRoutes } from '../http/routes/health.js';
import { registerIngestRoutes } from '../http/routes/ingest.js';
import { createHttpServer } from '../http/server.js';
import { liveCountersGroup, liveCountersTopics, startLiveCounters } from '../live/counters.js';
import { LiveReader } from '../live/read.js';
import { registerLiveRoutes } from '../live/routes.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import type { EventLog } from '../ports/event-log.js';
import type { KeyValue } from '../ports/key-value.js';
import type { StateStore } from '../ports/state.js';
import type { Warehouse } from '../ports/warehouse.js';
import { projectMigrations } from '../projects/migrations.js';
import { Projects } from '../projects/projects.js';
import { WriteKeys } from '../projects/write-keys.js';
import { SchemaRegistry } from '../schemas/registry.js';
import { rawEventsGroup, startRawEventsSink } from '../sink/raw-events-sink.js';
import type { ConsumerLoop } from '../stream/consumer-loop.js';
import { sessionizerGroup, sessionizerTopics, startSessionizer } from '../stream/sessions/processor.js';
import {
  startWindowAggregator,
  windowAggregatorGroup,
  windowAggregatorTopics,
} from '../stream/windows/aggregator.js';
import { acquireDataDir, adminToken, dataPaths, updateServerLock } from './data-dir.js';

export const version: string = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
).version;

/**
 * What this process runs. `collector`: ingest endpoints (needs the dedup index); `worker`: consumers that
 * move the log into the warehouse and dead letters into the state store. `plaza up` runs both; a command run
 * without a server runs neither.
 */
export type Role = 'collector' | 'worker';

export interface PlazaOptions {
  roles: Role[];
  /** Take the data directory (a server); commands hold it too while they run without a server. */
  logger?: Logger;
}

export interface Plaza {
  config: PlazaConfig;
  http: FastifyInstance;
  logger: Logger;
  metrics: Metrics;
  stores: { log: EventLog; warehouse: Warehouse; state: StateStore; kv: KeyValue };
  adminToken: string;
  /** Starts listening; returns the bound address. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** Waits until the workers have moved everything appended so far (tests, demo, graceful stop). */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The composition root: the only place that chooses adapters and wires modules together. */
export async function createPlaza(config: PlazaConfig, options: PlazaOptions): Promise<Plaza> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const paths = dataPaths(config.dataDir);
  mkdirSync(config.dataDir, { recursive: true });
  const releaseLock = acquireDataDir(config.dataDir, { host: config.host, port: config.port });
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (e) {
        logger.error({ err: e }, 'error while closing');
      }
    }
    closers.length = 0;
    releaseLock();
  };

  try {
    const state: StateStore = config.stateUrl
      ? await PostgresState.open(config.stateUrl)
      : await PgliteState.open(paths.state);
    closers.push(() => state.close());
    await migrate(state, [...projectMigrations, ...deadLetterMigrations, ...accountMigrations]);

    const kv: KeyValue = config.kvUrl
      ? await RedisKeyValue.open(config.kvUrl)
      : await MemoryKeyValue.open({ snapshotPath: paths.kvSnapshot });
    closers.push(() => kv.close());

    const log = await LocalEventLog.open(paths.eventLog, {
      defaultPartitions: config.eventLog.partitions,
      fsync: config.eventLog.fsync,
    });
    closers.push(() => log.close());
    for (const t of [...eventTopics, topics.deadLetters]) await log.ensureTopic(t);

    const warehouse = await DuckDbWarehouse.open(paths.warehouse, {
      memoryLimit: config.warehouse.memoryLimit,
    });
    closers.push(() => warehouse.close());

    const registry = await SchemaRegistry.open(state);
    closers.push(() => registry.close());

    const dedup = new DedupIndex(config.ingest.dedupWindowDays * 86_400_000);
    if (options.roles.includes('collector')) {
      const started = Date.now();
      const n = await rebuildDedupIndex(log, eventTopics, dedup);
      logger.info(
        { records: n, ids: dedup.size, ms: Date.now() - started },
        'dedup index rebuilt from the event log',
      );
    }

    const projects = new Projects(state);
    const keys = new WriteKeys(state);
    const deadLetters = new DeadLetterStore(state);
    const users = new Users(state, projects);
    const collector = new Collector({ log, registry, dedup, metrics });
    const token = adminToken(config.dataDir, config.adminToken);

    const loops: ConsumerLoop[] = [];
    let shuttingDown = false;
    const http = await createHttpServer({
      logger,
      metrics,
      maxBodyBytes: config.ingest.maxBatchBytes,
      trustProxyHops: config.trustProxyHops,
      version,
    });
    registerHealthRoutes(http, {
      metrics,
      log,
      probes: {
        state: async () => void (await state.query('SELECT 1')),
        warehouse: async () => void (await warehouse.query('SELECT 1')),
        kv: async () => void (await kv.get('plaza:ready-probe')),
        eventLog: async () => void (await log.endOffsets(topics.userEvents)),
      },
      groups: [
        { group: rawEventsGroup, topics: [...eventTopics] },
        { group: deadLetterGroup, topics: [topics.deadLetters] },
        { group: sessionizerGroup, topics: [...sessionizerTopics] },
        { group: windowAggregatorGroup, topics: windowAggregatorTopics },
        { group: liveCountersGroup, topics: liveCountersTopics },
      ],
      isShuttingDown: () => shuttingDown,
    });
    registerIngestRoutes(http, {
      collector,
      keys,
      projects,
      rateLimiter: new RateLimiter(kv, config.ingest.rateLimitPerMinute),
      metrics,
      limits: { maxBatchEvents: config.ingest.maxBatchEvents },
    });
    registerAdminRoutes(http, { adminToken: token, projects, keys, registry, deadLetters, collector });
    registerUserRoutes(http, { adminToken: token, users });
    registerLiveRoutes(http, { adminToken: token, projects, reader: new LiveReader(kv) });
    await http.ready();

    if (options.roles.includes('worker')) {
      loops.push(
        await startRawEventsSink(log, warehouse, logger.child({ module: 'raw-events-sink' }), metrics),
      );
      loops.push(await startDeadLetterMover(log, deadLetters, logger.child({ module: 'dead-letter-mover' })));
      loops.push(
        await startSessionizer({
          log,
          warehouse,
          logger: logger.child({ module: 'sessionizer' }),
          timeZoneOf: async (id) =>
            (await projects.find(id))?.settings.timeZone ?? defaultProjectSettings.timeZone,
          sessionTimeoutMinutes: config.stream.sessionTimeoutMinutes,
          allowedLatenessMinutes: config.stream.allowedLatenessMinutes,
          metrics,
        }),
      );
      loops.push(
        await startWindowAggregator({
          log,
          warehouse,
          logger: logger.child({ module: 'window-aggregator' }),
          allowedLatenessMs: config.stream.allowedLatenessMinutes * 60_000,
          metrics,
        }),
      );
      loops.push(
        await startLiveCounters({
          log,
          kv,
          logger: logger.child({ module: 'live-counters' }),
          timeZoneOf: async (id) =>
            (await projects.find(id))?.settings.timeZone ?? defaultProjectSettings.timeZone,
          metrics,
        }),
      );
    }
    // HTTP stops first (in-flight requests finish and are acknowledged), then the workers drain what the log
    // holds, then the stores close: nothing acknowledged is left behind in memory.
    closers.push(async () => {
      for (const l of loops) {
        await l.drain(20_000).catch((e) => logger.warn({ err: e }, 'workers did not drain before stopping'));
        await l.stop();
      }
    });
    closers.push(async () => {
      shuttingDown = true;
      await http.close();
    });

    return {
      config,
      http,
      logger,
      metrics,
      stores: { log, warehouse, state, kv },
      adminToken: token,
      async listen() {
        await http.listen({ host: config.host, port: config.port });
        const addr = http.server.address();
        const port = typeof addr === 'object' && addr ? addr.port : config.port;
        updateServerLock(config.dataDir, { port, host: config.host });
        return { host: config.host, port, url: `http://${config.host}:${port}` };
      },
      async drain(timeoutMs) {
        for (const l of loops) await l.drain(timeoutMs);
      },
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
