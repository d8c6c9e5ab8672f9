import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually, nativeEvent, plazaBin, post, spawnServer, tempDir } from './helpers/plaza.js';

function plaza(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [plazaBin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('plaza command', () => {
  it('manages projects and keys without a server, then through a running one', async () => {
    const dataDir = tempDir();
    const created = plaza([
      '--data-dir',
      dataDir,
      '--json',
      'keys',
      'create',
      '--project',
      'okla',
      '--name',
      'web',
      '--create-project',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout);
    assert.match(key.secret, /^pk_/);

    const server = await spawnServer(dataDir);
    try {
      const second = plaza(['--data-dir', dataDir, 'up', '--port', '0']);
      assert.equal(second.code, 1);
      assert.match(second.stderr, /in use by Plaza process \d+/);

      const listed = plaza(['--data-dir', dataDir, '--json', 'keys', 'list', '--project', 'okla']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        JSON.parse(listed.stdout).map((k: { id: string }) => k.id),
        [key.id],
      );
      const table = plaza(['--data-dir', dataDir, 'keys', 'list', '--project', 'okla']);
      assert.match(table.stdout, /^ID\s+NAME\s+KEY_PREFIX/m);

      const revoked = plaza(['--data-dir', dataDir, 'keys', 'revoke', key.id]);
      assert.equal(revoked.code, 0, revoked.stderr);
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${key.secret}:`).toString('base64')}`,
        },
        body: '{}',
      });
      assert.equal(res.status, 401, 'revocation through the CLI applies to the running server at once');

      const missing = plaza(['--data-dir', dataDir, 'keys', 'list', '--project', 'nope']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no project "nope"/);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    }
  });

  it('registers schemas, lists and replays dead letters from the command line', async () => {
    const dataDir = tempDir();
    const key = JSON.parse(
      plaza([
        '--data-dir',
        dataDir,
        '--json',
        'keys',
        'create',
        '--project',
        'tiendi',
        '--name',
        'backend',
        '--create-project',
      ]).stdout,
    );
    const schemaFile = join(dataDir, 'coupon.json');
    writeFileSync(
      schemaFile,
      JSON.stringify({ type: 'object', properties: { code: { type: 'string' } }, required: ['code'] }),
    );
    const reg = plaza([
      '--data-dir',
      dataDir,
      'schemas',
      'register',
      'coupon_applied',
      schemaFile,
      '--project',
      'tiendi',
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    assert.match(reg.stdout, /registered coupon_applied version 1/);

    const server = await spawnServer(dataDir);
    try {
      const bad = nativeEvent({ event_type: 'coupon_applied', properties: { percent: 10 } });
      const r = await post(server.url, '/v1/events', bad, { writeKey: key.secret });
      assert.equal(r.status, 400);
      const listed = await eventually(async () => {
        const out = plaza(['--data-dir', dataDir, '--json', 'deadletters', 'list', '--project', 'tiendi']);
        const list = JSON.parse(out.stdout).dead_letters;
        return list.length === 1 ? list : null;
      });
      assert.equal(listed[0].errors[0].pointer, '/properties/code');
      const shown = plaza(['--data-dir', dataDir, '--json', 'deadletters', 'show', listed[0].id]);
      assert.equal(JSON.parse(JSON.parse(shown.stdout).payload).event_id, bad.event_id);

      writeFileSync(schemaFile, JSON.stringify({ type: 'object', properties: { code: { type: 'string' } } }));
      assert.equal(
        plaza([
          '--data-dir',
          dataDir,
          'schemas',
          'register',
          'coupon_applied',
          schemaFile,
          '--project',
          'tiendi',
        ]).code,
        0,
      );
      const replay = plaza(['--data-dir', dataDir, 'deadletters', 'replay', '--project', 'tiendi']);
      assert.equal(replay.code, 0, replay.stderr);
      assert.match(replay.stdout, /replayed 1, duplicates 0, still invalid 0/);
      const schemas = plaza(['--data-dir', dataDir, '--json', 'schemas', 'list', '--project', 'tiendi']);
      const coupon = JSON.parse(schemas.stdout).filter(
        (x: { eventType: string }) => x.eventType === 'coupon_applied',
      );
      assert.deepEqual(
        coupon.map((x: { version: number }) => x.version),
        [1, 2],
      );
    } finally {
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    }
  });

  it('names every bad configuration value with what was expected', () => {
    const r = plaza(['config'], { PLAZA_PORT: 'eighty', PLAZA_KV_URL: 'memcached://x' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /port \[PLAZA_PORT\]: .*expected number.*"eighty"/);
    assert.match(r.stderr, /kvUrl \[PLAZA_KV_URL\]: must be a redis:\/\/ or rediss:\/\/ URL/);
  });
});
