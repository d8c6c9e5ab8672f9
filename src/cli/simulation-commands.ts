import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { readServerLock } from '../app/data-dir.js';
import { defaultProjectSettings } from '../collector/types.js';
import type { PlazaConfig } from '../config/config.js';
import { PlazaError } from '../core/errors.js';
import { runDemo } from '../demo/demo.js';
import { createSimulation, defaultSellers, defaultUsers } from '../simulate/index.js';
import { progressView } from '../simulate/progress.js';
import { runSimulation } from '../simulate/runner.js';
import type { Vertical } from '../simulate/types.js';
import { printJson } from './output.js';

type ConfigOf = (cmd: Command, overrides?: Record<string, unknown>) => PlazaConfig;

const DAY = 86_400_000;

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};
const integer = (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
};
const verticalOption = () =>
  new Option('--vertical <vertical>', 'vehicles (classifieds) or stores (multi-vendor shop)').choices([
    'vehicles',
    'stores',
  ]);

/** Stops on the first Ctrl-C or SIGTERM; a second one exits at once. */
function stopSignal(): AbortSignal {
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping: settling deliveries and flushing (Ctrl-C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ac.signal;
}

export function registerSimulationCommands(program: Command, configOf: ConfigOf): void {
  program
    .command('demo')
    .description(
      'the main job: Plaza on embedded storage, a demo project and logins, 90 days of simulated history, then live events',
    )
    .addOption(verticalOption())
    .option('--port <port>', 'HTTP port (default 8080, or PLAZA_PORT)')
    .option('--days <n>', 'days of history (default 90)', positiveInt('--days'))
    .option('--seed <n>', 'simulation seed (default 42)', integer)
    .option('--users <n>', 'buyers at the end of the history', positiveInt('--users'))
    .option('--sellers <n>', 'sellers (dealers or stores)', positiveInt('--sellers'))
    .option('--reset', 'delete the data directory and start over')
    .option('--no-live', 'stop once the history is loaded')
    .action(
      async (
        o: {
          vertical?: Vertical;
          port?: string;
          days?: number;
          seed?: number;
          users?: number;
          sellers?: number;
          reset?: boolean;
          live: boolean;
        },
        cmd: Command,
      ) => {
        const config = configOf(cmd, o.port ? { port: o.port } : {});
        const run = await runDemo(config, {
          ...(o.vertical ? { vertical: o.vertical } : {}),
          ...(o.days ? { days: o.days } : {}),
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
          ...(o.users ? { users: o.users } : {}),
          ...(o.sellers ? { sellers: o.sellers } : {}),
          ...(o.reset ? { reset: true } : {}),
          live: o.live,
          signal: stopSignal(),
        });
        if (cmd.optsWithGlobals<{ json?: boolean }>().json) printJson({ url: run.url, ...run.result });
        else
          process.stderr.write(
            `sent ${run.result.sent} events (${run.result.accepted} accepted, ${run.result.deduplicated} duplicates, ` +
              `${run.result.rejected} rejected); rerun \`plaza demo\` to resume\n`,
          );
        process.exit(0);
      },
    );

  program
    .command('simulate')
    .description('send a simulated marketplace to a Plaza collector through its public API')
    .addOption(verticalOption().default('vehicles'))
    .option('--url <url>', 'collector base URL (default: the server running on the data directory)')
    .requiredOption('--write-key <key>', "the project's write key (plaza keys create)")
    .option('--seed <n>', 'same seed, same events', integer, 42)
    .option('--days <n>', 'days of history', positiveInt('--days'), 7)
    .option('--start <date>', 'first simulated day, YYYY-MM-DD (default: so that the history ends today)')
    .option('--users <n>', 'buyers at the end of the history', positiveInt('--users'))
    .option('--sellers <n>', 'sellers (dealers or stores)', positiveInt('--sellers'))
    .option(
      '--rate <n>',
      'most events per second (default: as fast as Plaza takes them)',
      positiveInt('--rate'),
    )
    .option('--live', 'after the history, keep streaming events in real time')
    .option('--ground-truth <dir>', 'where to write the ground truth (default DATA_DIR/ground-truth)')
    .action(
      async (
        o: {
          vertical: Vertical;
          url?: string;
          writeKey: string;
          seed: number;
          days: number;
          start?: string;
          users?: number;
          sellers?: number;
          rate?: number;
          live?: boolean;
          groundTruth?: string;
        },
        cmd: Command,
      ) => {
        const config = configOf(cmd);
        let url = o.url;
        if (!url) {
          const lock = readServerLock(config.dataDir);
          if (!lock)
            throw new PlazaError(
              'no_server',
              `no Plaza server is running on ${config.dataDir}; start one with \`plaza up\` or pass --url`,
              400,
            );
          url = `http://${lock.host === '0.0.0.0' ? '127.0.0.1' : lock.host}:${lock.port}`;
        }
        let start = Math.floor(Date.now() / DAY) * DAY - o.days * DAY;
        if (o.start) {
          start = Date.parse(`${o.start}T00:00:00Z`);
          if (!/^\d{4}-\d{2}-\d{2}$/.test(o.start) || Number.isNaN(start))
            throw new PlazaError('bad_option', `--start must be a date YYYY-MM-DD, got "${o.start}"`, 400);
        }
        const simulation = createSimulation({
          vertical: o.vertical,
          seed: o.seed,
          start,
          days: o.days,
          users: o.users ?? defaultUsers,
          sellers: o.sellers ?? defaultSellers,
          groundTruthDir: o.groundTruth ?? join(config.dataDir, 'ground-truth', `${o.vertical}-${o.seed}`),
        });
        const historyEnd = start + o.days * DAY;
        const age = Date.now() - start;
        if (age > defaultProjectSettings.maxPastMs)
          process.stderr.write(
            "note: the collector clamps event times older than the project's max-past window " +
              `(${defaultProjectSettings.maxPastMs / DAY} days by default); for this history run ` +
              `\`plaza projects settings <project> --max-past-days ${Math.ceil(age / DAY) + 1}\` first\n`,
          );
        const view = progressView({ start, end: historyEnd });
        try {
          const result = await runSimulation({
            simulation,
            host: url,
            writeKey: o.writeKey,
            historyEnd,
            live: o.live ?? false,
            ...(o.rate ? { maxRate: o.rate } : {}),
            signal: stopSignal(),
            onProgress: (p) => view.update(p),
          });
          view.stop();
          if (cmd.optsWithGlobals<{ json?: boolean }>().json) printJson(result);
          else
            process.stdout.write(
              `sent ${result.sent} events: ${result.accepted} accepted, ${result.deduplicated} duplicates, ` +
                `${result.rejected} rejected, ${result.failed} failed\n`,
            );
        } finally {
          view.stop();
          await simulation.close();
        }
        process.exit(0);
      },
    );
}
