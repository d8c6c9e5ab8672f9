import { mkdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { AccessTokens } from '../accounts/access-tokens.js';
import { AuditLog } from '../accounts/audit.js';
import { registerAuditRoutes } from '../accounts/audit-routes.js';
import { registerAuthRoutes } from '../accounts/auth-routes.js';
import { Authentication } from '../accounts/authentication.js';
import { LoginGuard } from '../accounts/login-guard.js';
import { accountMigrations } from '../accounts/migrations.js';
import { registerUserRoutes } from '../accounts/routes.js';
import { registerServiceKeyRoutes } from '../accounts/service-key-routes.js';
import { ServiceKeys } from '../accounts/service-keys.js';
import { Sessions } from '../accounts/sessions.js';
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
import { deadLetterProcessor } from '../deadletters/mover.js';
import { DeadLetterStore, deadLetterMigrations } from '../deadletters/store.js';
import { registerAccessControl } from '../http/access-control.js';
import { registerCors } from '../http/cors.js';
import { RateLimiter } from '../http/rate-limit.js';
import { registerAdminRoutes } from '../http/routes/admin.js';
import { registerHealthRoutes } from '../http/routes/health.js';
import { registerIngestRoutes } from '../http/routes/ingest.js';
import { registerOpsRoutes } from '../http/routes/ops.js';
import { registerStreamRoutes } from '../http/routes/stream.js';
import { createHttpServer } from '../http/server.js';
import { LiveReader } from '../live/read.js';
import { liveCountersProcessor } from '../live/replay.js';
import { registerLiveRoutes } from '../live/routes.js';
import { createNotify, type Notify, notifyMigrations } from '../notify/index.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { pipelineCatalog } from '../pipelines/catalog.js';
import { registerPipelineRoutes } from '../pipelines/routes.js';
import { type Pipelines, startPipelines } from '../pipelines/start.js';
import type { PipelineDef } from '../pipelines/types.js';
import type { EventLog } from '../ports/event-log.js';
import type { KeyValue } from '../ports/key-value.js';
import type { StateStore } from '../ports/state.js';
import type { Warehouse } from '../ports/warehouse.js';
import { projectMigrations } from '../projects/migrations.js';
import { Projects } from '../projects/projects.js';
import { WriteKeys } from '../projects/write-keys.js';
import {
  createQualityGate,
  QualityResults,
  Quarantine,
  qualityMigrations,
  registerQualityRoutes,
} from '../quality/index.js';
import { registerReportRoutes } from '../reports/routes.js';
import { SchemaRegistry } from '../schemas/registry.js';
import { createSemanticLayer, registerCatalogueRoutes, registerSemanticRoutes } from '../semantic/index.js';
import { rawEventsProcessor } from '../sink/raw-events-sink.js';
import { ProcessorSet } from '../stream/processors.js';
import { sessionizerProcessor } from '../stream/sessions/processor.js';
import { windowAggregatorProcessor } from '../stream/windows/replay.js';
import { acquireDataDir, adminToken, dataPaths, jwtSecret, updateServerLock } from './data-dir.js';

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
  /** The pipelines this process knows (default: pipelineCatalog()); tests bring their own. */
  pipelines?: readonly PipelineDef[];
}

export interface Plaza {
  config: PlazaConfig;
  http: FastifyInstance;
  logger: Logger;
  metrics: Metrics;
  stores: { log: EventLog; warehouse: Warehouse; state: StateStore; kv: KeyValue };
  /** The outbox and the notifications service (report tasks and the quality gate send through it). */
  notify: Notify;
  /** The orchestrator: runner always, scheduler in the worker role. */
  pipelines: Pipelines;
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
  // Uptime on the admin dashboard counts from here: the process is starting.
  const startedAt = Date.now();
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
    await migrate(state, [
      ...projectMigrations,
      ...deadLetterMigrations,
      ...accountMigrations,
      ...qualityMigrations,
      ...notifyMigrations,
    ]);

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
    const audit = new AuditLog(state);
    const serviceKeys = new ServiceKeys(state, projects);
    const authentication = new Authentication({
      users,
      sessions: new Sessions(state, config.auth.refreshTokenDays),
      tokens: new AccessTokens(
        jwtSecret(config.dataDir, config.auth.jwtSecret),
        config.auth.accessTokenMinutes,
      ),
      serviceKeys,
      guard: new LoginGuard(kv),
      audit,
      adminToken: token,
    });
    const notify = createNotify(state, config.notify);

    const worker = options.roles.includes('worker');
    const timeZoneOf = async (id: string) =>
      (await projects.find(id))?.settings.timeZone ?? defaultProjectSettings.timeZone;
    // The stream processors, each a consumer group that `plaza stream replay` can rewind. Only the worker role
    // runs them, but every role reports their lag.
    const processorDefs = [
      rawEventsProcessor(log, warehouse, logger.child({ module: 'raw-events-sink' }), metrics),
      deadLetterProcessor(log, deadLetters, logger.child({ module: 'dead-letter-mover' })),
      sessionizerProcessor({
        log,
        warehouse,
        logger: logger.child({ module: 'sessionizer' }),
        timeZoneOf,
        sessionTimeoutMinutes: config.stream.sessionTimeoutMinutes,
        allowedLatenessMinutes: config.stream.allowedLatenessMinutes,
        metrics,
      }),
      windowAggregatorProcessor({
        log,
        warehouse,
        logger: logger.child({ module: 'window-aggregator' }),
        allowedLatenessMs: config.stream.allowedLatenessMinutes * 60_000,
        metrics,
        maxFutureMs: async () =>
          Math.max(
            defaultProjectSettings.maxFutureMs,
            ...(await projects.list()).map((p) => p.settings.maxFutureMs),
          ),
      }),
      liveCountersProcessor({
        log,
        kv,
        logger: logger.child({ module: 'live-counters' }),
        timeZoneOf,
        metrics,
      }),
    ];
    const processors = worker ? new ProcessorSet(processorDefs) : undefined;
    let shuttingDown = false;
    const http = await createHttpServer({
      logger,
      metrics,
      maxBodyBytes: config.ingest.maxBatchBytes,
      trustProxyHops: config.trustProxyHops,
      version,
    });
    // Before any route: CORS first (so refusals carry its headers), then the access control that sees every
    // route as it is added and authenticates every request to one that is not public.
    await registerCors(http, config.http);
    registerAccessControl(http, {
      authenticate: (bearer) => authentication.authenticate(bearer),
      rateLimiter: new RateLimiter(kv, config.auth.userRateLimitPerMinute, 'user or service key'),
      audit,
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
      groups: processorDefs.map((p) => ({ group: p.group, topics: [...p.topics] })),
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
    registerAdminRoutes(http, { projects, keys, registry, deadLetters, collector });
    registerOpsRoutes(http, { metrics, startedAt });
    registerUserRoutes(http, { users });
    registerAuthRoutes(http, { authentication, users });
    registerServiceKeyRoutes(http, { serviceKeys });
    registerAuditRoutes(http, { audit });
    registerQualityRoutes(http, {
      results: new QualityResults(state),
      quarantine: new Quarantine(warehouse),
    });
    registerLiveRoutes(http, { projects, reader: new LiveReader(kv), warehouse });
    registerReportRoutes(http, { warehouse, projects });
    registerSemanticRoutes(http, {
      layer: createSemanticLayer({ warehouse, kv, state, ...config.query }),
    });
    registerCatalogueRoutes(http);
    registerStreamRoutes(http, { processors });
    const pipelines = await startPipelines({
      state,
      warehouse,
      logger,
      metrics,
      projects,
      config: config.pipelines,
      pipelines:
        options.pipelines ??
        pipelineCatalog({ dataDir: config.dataDir, notifications: notify.notifications }),
      schedule: worker,
      gate: createQualityGate({ notifications: notify.notifications }),
    });
    // Closers run in reverse: HTTP closes first (no new runs), then active runs are aborted or awaited
    // before the stores they write to close.
    closers.push(() => pipelines.stop(20_000));
    registerPipelineRoutes(http, { pipelines });
    await http.ready();

    if (processors) await processors.startAll();
    if (worker) {
      // Delivers what any role queued, including rows a crash left pending.
      const delivery = notify.startDelivery(logger.child({ module: 'notify' }));
      closers.push(() => delivery.stop());
    }
    // HTTP stops first (in-flight requests finish and are acknowledged), then the workers drain what the log
    // holds, then the stores close: nothing acknowledged is left behind in memory.
    closers.push(async () => {
      await processors?.stopAll(20_000, (e) =>
        logger.warn({ err: e }, 'workers did not drain before stopping'),
      );
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
      notify,
      pipelines,
      adminToken: token,
      async listen() {
        await http.listen({ host: config.host, port: config.port });
        const addr = http.server.address();
        const port = typeof addr === 'object' && addr ? addr.port : config.port;
        updateServerLock(config.dataDir, { port, host: config.host });
        return { host: config.host, port, url: `http://${config.host}:${port}` };
      },
      async drain(timeoutMs) {
        await processors?.drain(timeoutMs);
      },
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
