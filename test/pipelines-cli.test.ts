import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { appPipelines, startPipelineApp } from './helpers/pipelines-app.js';
import { plazaBin } from './helpers/plaza.js';

/** `plaza --data-dir dir …` as a child process. */
function plaza(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [plazaBin, '--data-dir', dataDir, ...args],
      { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('plaza pipeline', () => {
  it('lists, runs, backfills and shows status and logs through a running server, then without one', async () => {
    const { defs } = appPipelines();
    const app = await startPipelineApp({ pipelines: defs });
    const p = (...args: string[]) => plaza(app.dataDir, ...args);
    let runId: string;
    try {
      const [list, unknown, badRange] = await Promise.all([
        p('pipeline', 'list'),
        p('pipeline', 'run', 'nope'),
        p('pipeline', 'backfill', 'sales_daily', '--from', '2026-03-05', '--to', '2026-03-01'),
      ]);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^ID\s+VERSION\s+PARTITIONING\s+SCHEDULE\s+TASKS\s+LAST_STATUS/);
      assert.match(list.stdout, /\nsales_daily\s+v7\s+daily\s+0 0 \* \* \*\s+stage,mart\s+-/);
      assert.match(list.stdout, /\nevents_inc\s+v1\s+incremental/);
      assert.equal(unknown.code, 1);
      assert.equal(
        unknown.stderr,
        'plaza: unknown pipeline "nope"; known: sales_daily, events_inc, broken, slow [unknown_pipeline]\n',
      );
      assert.equal(badRange.code, 1);
      assert.match(badRange.stderr, /from \(2026-03-05\) is after to \(2026-03-01\) \[invalid_range\]/);

      const ok = await p('pipeline', 'run', 'sales_daily', '--partition', '2026-03-01', '--wait');
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(
        ok.stdout,
        /^run (run_[0-9a-f]+) of sales_daily for 2026-03-01 succeeded in \d+ ms \(rows in 43, out 2\)\n$/,
      );
      runId = /run (run_[0-9a-f]+)/.exec(ok.stdout)![1]!;

      const failed = await p('pipeline', 'run', 'broken', '--partition', '2026-03-01', '--wait');
      assert.equal(failed.code, 1, 'a failed run fails the command');
      assert.match(
        failed.stdout,
        /of broken for 2026-03-01 failed in \d+ ms[^\n]*\ntask "explode" failed: source table missing/,
      );

      const [dry, logs, runs] = await Promise.all([
        p('pipeline', 'backfill', 'sales_daily', '--from', '2026-02-27', '--to', '2026-03-02', '--dry-run'),
        p('pipeline', 'logs', runId),
        p('--json', 'pipeline', 'status', 'sales_daily', '--status', 'succeeded'),
      ]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(
        dry.stdout,
        'would run 3 day(s) of sales_daily; skipped 1 (1 already succeeded)\n' +
          '  2026-02-27  (last run: none)\n  2026-02-28  (last run: none)\n  2026-03-02  (last run: none)\n',
      );
      assert.match(
        logs.stdout,
        new RegExp(`^run ${runId}: sales_daily@v7 2026-03-01 \\(manual\\) succeeded in \\d+ ms\\n`),
      );
      assert.match(logs.stdout, /\n {2}stage\s+succeeded\s+attempts 1 {2}rows 42→1\n/);
      assert.match(logs.stdout, /Z INFO {2}stage: staging\n/);
      assert.deepEqual(
        JSON.parse(runs.stdout).runs.map((r: { id: string }) => r.id),
        [runId],
      );

      const backfill = await p(
        'pipeline',
        'backfill',
        'sales_daily',
        '--from',
        '2026-02-27',
        '--to',
        '2026-03-02',
        '--concurrency',
        '2',
        '--wait',
      );
      assert.equal(backfill.code, 0, backfill.stderr);
      assert.match(backfill.stdout, /^ID\s+PARTITION\s+TRIGGER\s+STATUS/);
      assert.equal(backfill.stdout.match(/backfill\s+succeeded/g)?.length, 3);
    } finally {
      await app.plaza.close();
    }

    try {
      // Without a server the command opens the data directory itself and reads the history there.
      const logs = await p('pipeline', 'logs', runId);
      assert.equal(logs.code, 0, logs.stderr);
      assert.match(
        logs.stdout,
        new RegExp(`^run ${runId}: sales_daily@v7 2026-03-01 \\(manual\\) succeeded`),
      );
    } finally {
      rmSync(app.dataDir, { recursive: true, force: true });
    }
  });
});
