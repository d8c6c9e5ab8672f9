import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountMigrations } from '../src/accounts/migrations.js';
import {
  checkPassword,
  dummyHash,
  generatePassword,
  hashPassword,
  minPasswordLength,
  passwordMatches,
} from '../src/accounts/passwords.js';
import { type User, Users } from '../src/accounts/users.js';
import { PgliteState } from '../src/adapters/state/pglite.js';
import { PostgresState } from '../src/adapters/state/postgres.js';
import { PlazaError } from '../src/core/errors.js';
import { migrate } from '../src/core/migrate.js';
import type { StateStore } from '../src/ports/state.js';
import { projectMigrations } from '../src/projects/migrations.js';
import { Projects } from '../src/projects/projects.js';
import { createTestDatabase, type TestDatabase } from './helpers/engines.js';

const argon2id = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** Rejects with a PlazaError of this code and status whose message matches `message` when given. */
async function rejectsWith(p: Promise<unknown>, code: string, status: number, message?: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof PlazaError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('passwords', () => {
  it('generates long random passwords from an unambiguous alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      assert.match(p, /^[a-km-np-zA-HJ-NP-Z2-9]{20}$/);
      seen.add(p);
    }
    assert.equal(seen.size, 200);
    assert.equal(generatePassword(32).length, 32);
    assert.throws(() => generatePassword(minPasswordLength - 1), RangeError);
  });

  it('needs at least 10 characters, counted as characters rather than bytes', () => {
    assert.throws(
      () => checkPassword('123456789'),
      (e: PlazaError) =>
        e.code === 'password_too_short' && /at least 10 characters \(this one has 9\)/.test(e.message),
    );
    checkPassword('1234567890');
    checkPassword('ñandú-ñañé');
    assert.throws(
      () => checkPassword('🔑🔑🔑🔑🔑'),
      (e: PlazaError) => e.code === 'password_too_short',
    );
    assert.throws(
      () => checkPassword('x'.repeat(257)),
      (e: PlazaError) => e.code === 'password_too_long',
    );
  });

  it('hashes with argon2id and verifies', async () => {
    const h = await hashPassword('correct horse battery');
    assert.match(h, argon2id);
    assert.notEqual(await hashPassword('correct horse battery'), h, 'salted');
    assert.equal(await passwordMatches(h, 'correct horse battery'), true);
    assert.equal(await passwordMatches(h, 'correct horse batterY'), false);
    assert.equal(await passwordMatches('not a hash', 'correct horse battery'), false);
    await rejectsWith(hashPassword('short'), 'password_too_short', 400);
    const params = (phc: string) => phc.split('$').slice(0, 4).join('$');
    assert.equal(params(await dummyHash()), params(h), 'the dummy hash costs what a real one costs');
  });
});

function userStoreSuite(name: string, open: () => Promise<StateStore>): void {
  describe(`user store: ${name}`, () => {
    let state: StateStore;
    let users: Users;
    before(async () => {
      state = await open();
      await migrate(state, [...projectMigrations, ...accountMigrations]);
      const projects = new Projects(state);
      await projects.create('okla');
      users = new Users(state, projects);
    });
    after(() => state?.close());

    const hashOf = async (id: string) =>
      (
        await state.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [id])
      )[0]!.password_hash;

    it('creates an admin with a generated password, returned once and stored only as an argon2id hash', async () => {
      const { user, password } = await users.create({ email: 'Admin@Plaza.test', role: 'admin' });
      assert.match(user.id, /^usr_[0-9a-f]{16}$/);
      assert.deepEqual(
        { ...user, id: '', created_at: '' },
        {
          id: '',
          email: 'Admin@Plaza.test',
          name: 'Admin',
          role: 'admin',
          seller_id: null,
          project_id: null,
          created_at: '',
          disabled_at: null,
          last_login_at: null,
        },
      );
      assert.ok(!Number.isNaN(Date.parse(user.created_at)));
      assert.ok(password && password.length >= 20);
      assert.ok(!('password_hash' in user));
      const hash = await hashOf(user.id);
      assert.match(hash, argon2id);
      assert.ok(!hash.includes(password));
      const check = await users.verifyPassword('admin@plaza.test', password);
      assert.deepEqual(check, { ok: true, user });
    });

    it('creates a seller bound to a seller id and a project, with the password given', async () => {
      const r = await users.create({
        email: ' seller@dealer7.do ',
        role: 'seller',
        seller_id: 'dealer-7',
        project_id: 'okla',
        name: 'Autos Dealer 7',
        password: 'dealer-7-secret',
      });
      assert.equal(r.password, undefined, 'a given password is not echoed');
      assert.equal(r.user.email, 'seller@dealer7.do');
      assert.equal(r.user.name, 'Autos Dealer 7');
      assert.equal(r.user.seller_id, 'dealer-7');
      assert.equal(r.user.project_id, 'okla');
      assert.equal((await users.verifyPassword('SELLER@dealer7.do', 'dealer-7-secret')).ok, true);
    });

    it('keeps emails unique regardless of case: 409 naming the existing user', async () => {
      const { user } = await users.create({ email: 'dup@plaza.test', role: 'analyst' });
      await rejectsWith(
        users.create({ email: 'DUP@Plaza.Test', role: 'admin' }),
        'user_exists',
        409,
        new RegExp(`"dup@plaza.test" already exists \\(${user.id}\\)`),
      );
      assert.equal((await users.get('Dup@PLAZA.test')).id, user.id);
    });

    it('refuses every invalid user with a precise 400', async () => {
      for (const email of [
        'no-at-sign',
        'a@b',
        'a b@c.do',
        'a@@c.do',
        'a@c..do',
        '',
        `${'x'.repeat(250)}@c.do`,
      ]) {
        await rejectsWith(
          users.create({ email, role: 'admin' }),
          'invalid_email',
          400,
          /not an email address/,
        );
      }
      await rejectsWith(
        users.create({ email: 'r@plaza.test', role: 'owner' }),
        'invalid_role',
        400,
        /role "owner" is not one of admin, analyst, seller/,
      );
      await rejectsWith(
        users.create({ email: 's@plaza.test', role: 'seller' }),
        'seller_id_required',
        400,
        /needs a seller_id/,
      );
      for (const role of ['admin', 'analyst']) {
        await rejectsWith(
          users.create({ email: 's@plaza.test', role, seller_id: 'dealer-7' }),
          'seller_id_not_allowed',
          400,
          new RegExp(`only to role seller; a user with role ${role}`),
        );
      }
      await rejectsWith(
        users.create({ email: 's@plaza.test', role: 'seller', seller_id: '  ' }),
        'invalid_seller_id',
        400,
      );
      await rejectsWith(
        users.create({ email: 's@plaza.test', role: 'analyst', password: 'nine-char' }),
        'password_too_short',
        400,
        /at least 10 characters \(this one has 9\)/,
      );
      await rejectsWith(
        users.create({ email: 's@plaza.test', role: 'analyst', password: 'p'.repeat(300) }),
        'password_too_long',
        400,
      );
      await rejectsWith(
        users.create({ email: 's@plaza.test', role: 'analyst', project_id: 'nope' }),
        'unknown_project',
        400,
        /no project "nope"/,
      );
      await rejectsWith(
        users.create({ email: 's@plaza.test', role: 'analyst', name: ' ' }),
        'invalid_name',
        400,
      );
      assert.equal(await users.find('s@plaza.test'), null, 'nothing was stored');
    });

    it('enforces the seller rule in the table too', async () => {
      await assert.rejects(
        state.query(
          `INSERT INTO users (id, email, name, role, password_hash) VALUES ('usr_x', 'x@plaza.test', 'x', 'seller', 'h')`,
        ),
      );
      await assert.rejects(
        state.query(
          `INSERT INTO users (id, email, name, role, seller_id, password_hash)
           VALUES ('usr_y', 'y@plaza.test', 'y', 'admin', 'dealer-1', 'h')`,
        ),
      );
      await assert.rejects(
        state.query(
          `INSERT INTO users (id, email, name, role, password_hash) VALUES ('usr_z', 'z@plaza.test', 'z', 'root', 'h')`,
        ),
      );
    });

    it('never verifies an unknown email, a wrong password or a disabled user', async () => {
      const { user } = await users.create({
        email: 'off@plaza.test',
        role: 'seller',
        seller_id: 'dealer-9',
        password: 'off-password-1',
      });
      assert.deepEqual(await users.verifyPassword('nobody@plaza.test', 'off-password-1'), {
        ok: false,
        reason: 'unknown_email',
      });
      assert.deepEqual(await users.verifyPassword('off@plaza.test', 'off-password-2'), {
        ok: false,
        reason: 'wrong_password',
      });
      assert.deepEqual(await users.verifyPassword('off@plaza.test', ''), {
        ok: false,
        reason: 'wrong_password',
      });
      assert.deepEqual(await users.verifyPassword('off@plaza.test', 'x'.repeat(100_000)), {
        ok: false,
        reason: 'wrong_password',
      });

      const disabled = await users.setDisabled('OFF@plaza.test', true);
      assert.ok(disabled.disabled_at);
      assert.deepEqual(await users.verifyPassword('off@plaza.test', 'off-password-1'), {
        ok: false,
        reason: 'disabled',
      });
      const again = await users.setDisabled(user.id, true);
      assert.equal(again.disabled_at, disabled.disabled_at, 'disabling twice keeps the first time');

      const enabled = await users.setDisabled(user.id, false);
      assert.equal(enabled.disabled_at, null);
      const ok = await users.verifyPassword('off@plaza.test', 'off-password-1');
      assert.equal(ok.ok, true);
    });

    it('spends as long on an unknown email as on a known one', async () => {
      await users.create({ email: 'timing@plaza.test', role: 'analyst', password: 'timing-password' });
      const time = async (email: string) => {
        const t = process.hrtime.bigint();
        await users.verifyPassword(email, 'some-guess-123');
        return Number(process.hrtime.bigint() - t) / 1e6;
      };
      // Interleaved, best of several: the machine may be busy with other work at any one moment.
      let known = Number.POSITIVE_INFINITY;
      let unknown = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 6; i++) {
        unknown = Math.min(unknown, await time('nobody@plaza.test'));
        known = Math.min(known, await time('timing@plaza.test'));
      }
      // argon2id costs tens of milliseconds; a skipped hash would cost a fraction of one.
      assert.ok(unknown > known * 0.3, `unknown ${unknown} ms vs known ${known} ms`);
    });

    it('lists by email with role, seller, project and disabled filters, page by page', async () => {
      const fresh = async (email: string, role: string, seller_id?: string, project_id?: string) =>
        (await users.create({ email, role, seller_id, project_id, password: 'list-password' })).user;
      const a = await fresh('list-a@l.test', 'seller', 'dealer-list', 'okla');
      const b = await fresh('LIST-b@l.test', 'seller', 'dealer-list');
      const c = await fresh('list-c@l.test', 'analyst');
      await users.setDisabled(b.id, true);
      const emails = (list: User[]) => list.map((u) => u.email).filter((e) => e.endsWith('@l.test'));

      assert.deepEqual(emails(await users.list()), [a.email, c.email]);
      assert.deepEqual(emails(await users.list({ includeDisabled: true })), [a.email, b.email, c.email]);
      assert.deepEqual(emails(await users.list({ role: 'seller', includeDisabled: true })), [
        a.email,
        b.email,
      ]);
      assert.deepEqual(emails(await users.list({ sellerId: 'dealer-list' })), [a.email]);
      assert.deepEqual(emails(await users.list({ projectId: 'okla', role: 'seller' })), [a.email]);
      await rejectsWith(users.list({ role: 'sellers' }), 'invalid_role', 400, /admin, analyst, seller/);

      const page1 = await users.list({ includeDisabled: true, after: 'list-', limit: 2 });
      assert.deepEqual(emails(page1), [a.email, b.email]);
      const page2 = await users.list({ includeDisabled: true, after: page1[1]!.email, limit: 2 });
      assert.equal(page2[0]!.email, c.email);
      for (const u of await users.list({ includeDisabled: true })) assert.ok(!('password_hash' in u));
    });

    it('answers 404 for unknown ids and emails, and records sign-ins', async () => {
      await rejectsWith(users.get('usr_0000000000000000'), 'user_not_found', 404, /no user "usr_0/);
      await rejectsWith(users.get('ghost@plaza.test'), 'user_not_found', 404, /no user with email/);
      await rejectsWith(users.setDisabled('usr_missing', true), 'user_not_found', 404);
      await rejectsWith(users.setDisabled('ghost@plaza.test', false), 'user_not_found', 404);
      const { user } = await users.create({ email: 'login@plaza.test', role: 'admin' });
      const after = await users.recordLogin(user.id);
      assert.ok(after.last_login_at && Date.parse(after.last_login_at) >= Date.parse(user.created_at));
    });
  });
}

userStoreSuite('pglite', () => PgliteState.open());

describe('postgres', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());
  userStoreSuite('postgres', () => PostgresState.open(db.url, { maxConnections: 4 }));
});
