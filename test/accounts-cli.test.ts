import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { adminToken } from '../src/app/data-dir.js';
import { plazaBin, spawnServer, tempDir } from './helpers/plaza.js';

function plaza(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [plazaBin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    ...(input === undefined ? {} : { input }),
  });
  assert.doesNotMatch(r.stdout + r.stderr, /\$argon2|password_hash/, 'no output carries a password hash');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('plaza users', () => {
  it('creates, lists, disables and enables users without a server, then through a running one', async () => {
    const dataDir = tempDir();
    const p = (...args: string[]) => plaza(['--data-dir', dataDir, ...args]);
    try {
      const admin = p('users', 'create', '--email', 'admin@okla.do', '--role', 'admin');
      assert.equal(admin.code, 0, admin.stderr);
      assert.match(
        admin.stdout,
        /^created admin admin@okla\.do \(usr_[0-9a-f]{16}\)\npassword: [A-Za-z0-9]{20}\n/,
      );

      const seller = plaza(
        [
          '--data-dir',
          dataDir,
          '--json',
          'users',
          'create',
          '--email',
          'ventas@dealer7.do',
          '--role',
          'seller',
          '--seller-id',
          'dealer-7',
          '--name',
          'Dealer 7',
          '--password-stdin',
        ],
        'typed-on-stdin\n',
      );
      assert.equal(seller.code, 0, seller.stderr);
      const sellerUser = JSON.parse(seller.stdout);
      assert.equal(sellerUser.seller_id, 'dealer-7');
      assert.equal(sellerUser.name, 'Dealer 7');
      assert.equal(sellerUser.password, undefined);

      const bad = p('users', 'create', '--email', 'x@okla.do', '--role', 'owner');
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /role "owner" is not one of admin, analyst, seller \[invalid_role\]/);
      const noSeller = p('users', 'create', '--email', 'x@okla.do', '--role', 'seller');
      assert.equal(noSeller.code, 1);
      assert.match(noSeller.stderr, /\[seller_id_required\]/);

      const server = await spawnServer(dataDir);
      try {
        const off = p('users', 'disable', 'VENTAS@dealer7.do');
        assert.equal(off.code, 0, off.stderr);
        assert.equal(off.stdout, `disabled ventas@dealer7.do (${sellerUser.id})\n`);

        const active = JSON.parse(p('--json', 'users', 'list').stdout);
        assert.deepEqual(
          active.map((u: { email: string }) => u.email),
          ['admin@okla.do'],
        );
        const all = p('users', 'list', '--all', '--role', 'seller');
        assert.match(all.stdout, /^ID\s+EMAIL\s+NAME\s+ROLE\s+SELLER_ID/m);
        assert.match(all.stdout, /ventas@dealer7\.do\s+Dealer 7\s+seller\s+dealer-7/);

        // The running server sees the change made through its API.
        const shown = await fetch(`${server.url}/v1/admin/users/${sellerUser.id}`, {
          headers: { authorization: `Bearer ${adminToken(dataDir)}` },
        });
        assert.ok(((await shown.json()) as { disabled_at: string | null }).disabled_at);

        const on = p('--json', 'users', 'enable', sellerUser.id);
        assert.equal(on.code, 0, on.stderr);
        assert.equal(JSON.parse(on.stdout).disabled_at, null);

        const missing = p('users', 'disable', 'ghost@okla.do');
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /no user with email "ghost@okla.do"/);
      } finally {
        server.child.kill('SIGTERM');
        assert.equal((await server.exited).code, 0);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
