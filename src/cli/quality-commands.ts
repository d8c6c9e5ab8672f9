import type { Command } from 'commander';
import type { Role } from '../app/compose.js';
import { PlazaError } from '../core/errors.js';
import type { ApiClient } from './client.js';

type Output = {
  data: unknown;
  table?: { rows: Record<string, unknown>[]; columns: string[] };
  text?: string;
};

/** main.ts's `action`: runs a command against the API (server or embedded) and prints what it returns. */
export type Action = <A extends unknown[]>(
  fn: (api: ApiClient, ...args: A) => Promise<Output>,
  roles?: Role[],
) => (...args: A) => Promise<void>;

interface QualityOpts {
  table?: string;
  failed?: boolean;
  all?: boolean;
}

const resultColumns = [
  'at',
  'table',
  'check_id',
  'partition',
  'severity',
  'passed',
  'checked',
  'failed',
  'quarantined',
  'message',
];
const quarantineColumns = ['id', 'table', 'check_id', 'partition', 'reason', 'quarantined_at', 'row'];

/**
 * `plaza quality …`. --table belongs to `quality` itself so that it reads the same before or after a
 * subcommand name (commander gives a parent's options to the parent wherever they appear).
 */
export function registerQualityCommands(program: Command, action: Action): void {
  const quality = program
    .command('quality')
    .description('data-quality check results (latest per check and partition); quarantined rows')
    .option('--table <table>', 'only this table')
    .option('--failed', 'only checks whose latest result failed')
    .option('--all', 'every recorded result, not only the latest of each check and partition')
    .action(
      action(async (api, o: QualityOpts) => {
        const q = new URLSearchParams({ limit: '1000' });
        if (o.table) q.set('table', o.table);
        if (o.failed) q.set('status', 'failed');
        if (o.all) q.set('all', 'true');
        const r = await api.request<{ results: Record<string, unknown>[] }>('GET', `/v1/quality?${q}`);
        return { data: r.results, table: { rows: r.results, columns: resultColumns } };
      }),
    );

  quality
    .command('quarantine')
    .description('rows failing checks took out of their tables (held ones, newest first)')
    .option('--check <id>', 'only rows of this check')
    .option('--status <status>', 'held | released | superseded | all', 'held')
    .action(
      action(async (api, o: { check?: string; status: string }, cmd: Command) => {
        const { table } = cmd.optsWithGlobals<QualityOpts>();
        const q = new URLSearchParams({ limit: '1000', status: o.status });
        if (table) q.set('table', table);
        if (o.check) q.set('check', o.check);
        const r = await api.request<{ rows: Record<string, unknown>[] }>(
          'GET',
          `/v1/quality/quarantine?${q}`,
        );
        return { data: r.rows, table: { rows: r.rows, columns: quarantineColumns } };
      }),
    );

  quality
    .command('release [ids...]')
    .description(
      'put quarantined rows back into their tables: by id, or all held rows of --table and --check',
    )
    .option('--check <id>', 'with --table: every held row of this check')
    .action(
      action(async (api, ids: string[], o: { check?: string }, cmd: Command) => {
        const { table } = cmd.optsWithGlobals<QualityOpts>();
        let body: Record<string, unknown>;
        if (ids.length > 0) body = { ids };
        else if (table && o.check) body = { table, check: o.check };
        else {
          throw new PlazaError('invalid_release', 'give quarantine ids, or --table and --check', 400);
        }
        const r = await api.request<{ released: number; tables: Record<string, number> }>(
          'POST',
          '/v1/quality/quarantine/release',
          body,
        );
        const per = Object.entries(r.tables)
          .map(([t, n]) => `${t}: ${n}`)
          .join(', ');
        return {
          data: r,
          text: `released ${r.released} row${r.released === 1 ? '' : 's'}${per ? ` (${per})` : ''}`,
        };
      }),
    );
}
