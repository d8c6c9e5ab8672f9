import { createPlaza, type Plaza, type Role } from '../../src/app/compose.js';
import { type ConfigInput, loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/observability/logger.js';
import type { PipelineDef } from '../../src/pipelines/types.js';
import { deferred, okTask, pipeline } from './pipelines.js';
import { tempDir } from './plaza.js';

/** Pipelines of the API and CLI tests: a two-task daily build, an incremental load, a broken and a slow one. */
export function appPipelines() {
  const slowGate = { current: deferred() };
  const defs: PipelineDef[] = [
    pipeline(
      'sales_daily',
      [
        okTask('stage', {
          description: 'stage the day',
          run: async (ctx) => {
            ctx.log('staging', { day: ctx.partition });
            await ctx.warehouse.exec(`CREATE TABLE IF NOT EXISTS app_daily (day VARCHAR, n INTEGER);
              BEGIN TRANSACTION; DELETE FROM app_daily WHERE day = '${ctx.partition}';
              INSERT INTO app_daily VALUES ('${ctx.partition}', 42); COMMIT;`);
            return { rowsIn: 42, rowsOut: 1 };
          },
        }),
        okTask('mart', { dependsOn: ['stage'], run: async () => ({ rowsIn: 1, rowsOut: 1 }) }),
      ],
      { version: 'v7', description: 'daily sales mart' },
    ),
    // A schedule that does not come round while a test runs.
    pipeline('events_inc', [okTask('load', { partitioning: 'incremental', lookbackMs: 60_000 })], {
      schedule: '0 0 1 1 *',
    }),
    pipeline('broken', [
      okTask('explode', {
        run: async () => {
          throw new Error('source table missing');
        },
      }),
    ]),
    pipeline('slow', [
      okTask('wait', {
        run: async (ctx) => {
          // Until the test opens the gate, or the run is aborted (no timer outlives either).
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, 60_000);
            ctx.signal.addEventListener(
              'abort',
              () => {
                clearTimeout(timer);
                reject(ctx.signal.reason);
              },
              { once: true },
            );
            slowGate.current.promise.then(() => {
              clearTimeout(timer);
              resolve();
            });
          });
          return { rowsIn: 0, rowsOut: 0 };
        },
      }),
    ]),
  ];
  return { defs, slowGate };
}

export async function startPipelineApp(
  o: { dataDir?: string; roles?: Role[]; pipelines?: PipelineDef[]; overrides?: ConfigInput } = {},
): Promise<{ plaza: Plaza; url: string; dataDir: string }> {
  const dataDir = o.dataDir ?? tempDir();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      ...(o.overrides ?? {}),
    } as ConfigInput,
  });
  const plaza = await createPlaza(config, {
    roles: o.roles ?? ['worker'],
    logger: createLogger('silent'),
    ...(o.pipelines ? { pipelines: o.pipelines } : {}),
  });
  const { url } = await plaza.listen();
  return { plaza, url, dataDir };
}

/** A call to the app's HTTP API with a bearer token (none when null); an empty answer body reads as null. */
export async function callApi(
  url: string,
  method: string,
  path: string,
  body: unknown,
  token: string | null,
): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
