import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { PlazaError } from '../core/errors.js';
import { timeZoneSchema } from '../core/time-zone.js';

/**
 * Configuration comes from, in increasing precedence: defaults, an optional JSON file (`--config`,
 * PLAZA_CONFIG, or ./plaza.config.json when present), PLAZA_* environment variables, command-line flags.
 * Everything is validated once at start; every bad value is reported with what was expected.
 */
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** A boolean from a config file, or `true`/`false` from an environment variable. */
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
  error: 'expected true or false',
});

/** A list given as a JSON array (config file) or as comma-separated text (environment variable). */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );

/** Where notifications go (src/notify): signed webhooks and/or e-mail over SMTP. */
const notifySchema = z
  .object({
    webhookUrls: list(z.string().regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL')).default([]),
    /** HMAC-SHA256 key of X-Plaza-Signature; required when there are webhooks (receivers must verify). */
    webhookSecret: z.string().min(16, 'must be at least 16 characters').optional(),
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL such as smtp://user:pass@host:587')
      .optional(),
    from: z.string().min(3).default('Plaza <plaza@localhost>'),
    /** Who gets alerts (failed quality checks, anomalies), besides the webhooks. */
    adminEmails: list(z.string().regex(/^[^\s@]+@[^\s@]+$/, 'must be e-mail addresses')).default([]),
  })
  .strict()
  .refine((n) => n.webhookUrls.length === 0 || n.webhookSecret !== undefined, {
    message: 'webhookUrls need a webhookSecret (PLAZA_NOTIFY_WEBHOOK_SECRET) to sign requests',
    path: ['webhookSecret'],
  })
  .prefault({});

export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('./.plaza'),
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(8080),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** postgres://… to use PostgreSQL; unset: PGlite in the data directory. */
    stateUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** redis://… to use Redis; unset: in-process memory snapshotted to the data directory. */
    kvUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    /** Bearer token of the admin API; generated into the data directory on first start when unset. */
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Trust X-Forwarded-For from this many proxy hops (0: use the socket address). */
    trustProxyHops: z.coerce.number().int().min(0).max(10).default(0),
    warehouse: z
      .object({
        /** DuckDB's buffer pool; its default (80 % of RAM) would let the cache grow far past what Plaza needs. */
        memoryLimit: z
          .string()
          .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size such as 256MB or 2GB')
          .default('256MB'),
      })
      .prefault({}),
    eventLog: z
      .object({
        partitions: positiveInt.max(256).default(4),
        fsync: flag.default(true),
      })
      .prefault({}),
    ingest: z
      .object({
        /** Requests per minute per write key. */
        rateLimitPerMinute: positiveInt.default(1000),
        dedupWindowDays: positiveInt.max(365).default(7),
        /** Largest request body, after decompression (Segment's batch limit is 500 KB). */
        maxBatchBytes: positiveInt.default(512_000),
        maxBatchEvents: positiveInt.default(2500),
      })
      .prefault({}),
    stream: z
      .object({
        /** A visitor's session closes after this much event-time inactivity (and at local midnight). */
        sessionTimeoutMinutes: positiveInt.max(24 * 60).default(30),
        /**
         * How late (event time, after its minute window ends) an event may arrive and still update agg_minute /
         * agg_hour; later ones are counted in plaza_agg_late_dropped_total and kept only in raw_events.
         */
        allowedLatenessMinutes: z.coerce
          .number()
          .int()
          .min(0)
          .max(7 * 24 * 60)
          .default(10),
      })
      .prefault({}),
    /** The pipeline orchestrator (src/pipelines). */
    pipelines: z
      .object({
        /** Zone of the cron schedules and of the daily partitions ("yesterday"). */
        timeZone: timeZoneSchema.default('America/Santo_Domingo'),
        /** Schedule pipelines in a process with the worker role (one at a time holds the lease). */
        scheduler: flag.default(true),
        /** After downtime, daily pipelines catch up at most this many days back. */
        catchUpDays: z.coerce.number().int().min(0).max(366).default(31),
        /** Days a backfill runs at once. */
        backfillConcurrency: positiveInt.max(16).default(2),
      })
      .strict()
      .prefault({}),
    notify: notifySchema,
    /** The analytics API (src/semantic). */
    query: z
      .object({
        /** Longest time range a query, funnel or retention request may span, in days. */
        maxRangeDays: z.coerce.number().int().min(1).max(3660).default(731),
        /** How long a cached result is kept; new pipeline runs make it unreachable sooner. */
        cacheTtlMinutes: z.coerce
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(24 * 60),
      })
      .strict()
      .prefault({}),
    /** The app API's HTTP settings (the collection endpoints keep CORS open to every origin). */
    http: z
      .object({
        /** Origins allowed to call the app API from a browser; empty: same origin only; `*`: any. */
        corsOrigins: list(
          z
            .string()
            .regex(
              /^(\*|https?:\/\/[^/\s]+)$/,
              'must be origins such as https://app.example.com (scheme, host, optional port; no path) or *',
            ),
        ).default([]),
        /** Access-Control-Allow-Credentials for those origins. */
        corsCredentials: flag.default(false),
      })
      .strict()
      .refine((h) => !(h.corsCredentials && h.corsOrigins.includes('*')), {
        message: 'corsCredentials cannot be combined with corsOrigins "*" (any site could act as the user)',
        path: ['corsCredentials'],
      })
      .prefault({}),
    /** Sign-in and API access (src/accounts, src/http/access-control.ts). */
    auth: z
      .object({
        /** Lifetime of JWT access tokens; fractions allowed (0.05 = 3 s), rounded to whole seconds. */
        accessTokenMinutes: z.coerce
          .number()
          .positive()
          .max(24 * 60)
          .default(15),
        /** A refresh token expires this long after it was issued (each refresh issues a new one). */
        refreshTokenDays: z.coerce.number().positive().max(365).default(30),
        /** HS256 key of access tokens, shared by every process; unset: generated into the data directory. */
        jwtSecret: z.string().min(32, 'must be at least 32 characters').optional(),
        /** Requests per minute per signed-in user and per service key (the admin token is not limited). */
        userRateLimitPerMinute: positiveInt.default(600),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type PlazaConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** PLAZA_* variable → path in the config object. */
const envMap: Record<string, string[]> = {
  PLAZA_DATA_DIR: ['dataDir'],
  PLAZA_HOST: ['host'],
  PLAZA_PORT: ['port'],
  PLAZA_LOG_LEVEL: ['logLevel'],
  PLAZA_STATE_URL: ['stateUrl'],
  PLAZA_KV_URL: ['kvUrl'],
  PLAZA_ADMIN_TOKEN: ['adminToken'],
  PLAZA_TRUST_PROXY_HOPS: ['trustProxyHops'],
  PLAZA_WAREHOUSE_MEMORY_LIMIT: ['warehouse', 'memoryLimit'],
  PLAZA_EVENT_LOG_PARTITIONS: ['eventLog', 'partitions'],
  PLAZA_EVENT_LOG_FSYNC: ['eventLog', 'fsync'],
  PLAZA_RATE_LIMIT_PER_MINUTE: ['ingest', 'rateLimitPerMinute'],
  PLAZA_DEDUP_WINDOW_DAYS: ['ingest', 'dedupWindowDays'],
  PLAZA_MAX_BATCH_BYTES: ['ingest', 'maxBatchBytes'],
  PLAZA_MAX_BATCH_EVENTS: ['ingest', 'maxBatchEvents'],
  PLAZA_SESSION_TIMEOUT_MINUTES: ['stream', 'sessionTimeoutMinutes'],
  PLAZA_ALLOWED_LATENESS_MINUTES: ['stream', 'allowedLatenessMinutes'],
  PLAZA_PIPELINES_TIME_ZONE: ['pipelines', 'timeZone'],
  PLAZA_PIPELINES_SCHEDULER: ['pipelines', 'scheduler'],
  PLAZA_PIPELINES_CATCH_UP_DAYS: ['pipelines', 'catchUpDays'],
  PLAZA_PIPELINES_BACKFILL_CONCURRENCY: ['pipelines', 'backfillConcurrency'],
  PLAZA_QUERY_MAX_RANGE_DAYS: ['query', 'maxRangeDays'],
  PLAZA_QUERY_CACHE_TTL_MINUTES: ['query', 'cacheTtlMinutes'],
  PLAZA_NOTIFY_WEBHOOK_URLS: ['notify', 'webhookUrls'],
  PLAZA_NOTIFY_WEBHOOK_SECRET: ['notify', 'webhookSecret'],
  PLAZA_NOTIFY_SMTP_URL: ['notify', 'smtpUrl'],
  PLAZA_NOTIFY_FROM: ['notify', 'from'],
  PLAZA_NOTIFY_ADMIN_EMAILS: ['notify', 'adminEmails'],
  PLAZA_CORS_ORIGINS: ['http', 'corsOrigins'],
  PLAZA_CORS_CREDENTIALS: ['http', 'corsCredentials'],
  PLAZA_ACCESS_TOKEN_MINUTES: ['auth', 'accessTokenMinutes'],
  PLAZA_REFRESH_TOKEN_DAYS: ['auth', 'refreshTokenDays'],
  PLAZA_JWT_SECRET: ['auth', 'jwtSecret'],
  PLAZA_USER_RATE_LIMIT_PER_MINUTE: ['auth', 'userRateLimitPerMinute'],
};

export const configEnvVars = Object.keys(envMap);

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  configFile?: string;
  overrides?: ConfigInput | Record<string, unknown>;
  cwd?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): PlazaConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  let merged: Record<string, unknown> = {};
  const sources: string[] = [];

  const file =
    options.configFile ??
    env['PLAZA_CONFIG'] ??
    (existsSync(resolve(cwd, 'plaza.config.json')) ? 'plaza.config.json' : undefined);
  if (file !== undefined) {
    const path = resolve(cwd, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new PlazaError('config_invalid', `cannot read config file ${path}: ${(e as Error).message}`, 400);
    }
    try {
      merged = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new PlazaError(
        'config_invalid',
        `config file ${path} is not valid JSON: ${(e as Error).message}`,
        400,
      );
    }
    sources.push(path);
  }

  const fromEnv: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(envMap)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(fromEnv, path, v);
  }
  const unknownEnv = Object.keys(env).filter(
    (k) => k.startsWith('PLAZA_') && !(k in envMap) && !k.startsWith('PLAZA_TEST_') && k !== 'PLAZA_CONFIG',
  );
  if (unknownEnv.length > 0) {
    throw new PlazaError(
      'config_invalid',
      `unknown environment variable ${unknownEnv.join(', ')}; known: ${[...configEnvVars, 'PLAZA_CONFIG'].join(', ')}`,
      400,
    );
  }
  merged = deepMerge(deepMerge(merged, fromEnv), (options.overrides ?? {}) as Record<string, unknown>);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const path = i.path.join('.');
      const envName = Object.entries(envMap).find(([, p]) => p.join('.') === path)?.[0];
      const raw = i.path.reduce<unknown>(
        (node, key) =>
          typeof node === 'object' && node !== null
            ? (node as Record<string, unknown>)[key as string]
            : undefined,
        merged,
      );
      const got = raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`;
      return `${path || '(root)'}${envName ? ` [${envName}]` : ''}: ${i.message}${got}`;
    });
    throw new PlazaError(
      'config_invalid',
      `invalid configuration${sources.length ? ` (file ${sources.join(', ')})` : ''}:\n  ${problems.join('\n  ')}`,
      400,
      { details: problems },
    );
  }
  const config = parsed.data;
  return { ...config, dataDir: resolve(cwd, config.dataDir) };
}
