import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { ConfigInput } from '../src/config/config.js';
import { call, createUser, login, refresh, sleep } from './helpers/auth.js';
import { createTestDatabase, requireEnv, type TestDatabase } from './helpers/engines.js';
import { startPlaza, type TestPlaza } from './helpers/plaza.js';

function sessionSuite(
  name: string,
  stores: () => Promise<{ overrides: ConfigInput; drop?: () => Promise<void> }>,
) {
  describe(`sign-in sessions (${name})`, () => {
    let t: TestPlaza;
    let drop: (() => Promise<void>) | undefined;
    let overrides: ConfigInput;
    let seller: { id: string; email: string; password: string };
    const me = (token: string) => call(t.url, 'GET', '/v1/auth/me', token);

    before(async () => {
      const s = await stores();
      drop = s.drop;
      overrides = s.overrides;
      t = await startPlaza({ roles: [], overrides, projectId: 'okla' });
      seller = await createUser(t, 'ventas@dealer7.do', 'seller', { sellerId: 'dealer-7' });
    });
    after(async () => {
      await t.close(true);
      await drop?.();
    });

    it('signs in with a short-lived JWT and an opaque refresh token, and says who is signed in', async () => {
      const tokens = await login(t.url, 'VENTAS@dealer7.do', seller.password);
      assert.equal(tokens.expires_in, 15 * 60);
      assert.equal(tokens.refresh_expires_in, 30 * 86_400);
      assert.match(tokens.access_token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.match(tokens.refresh_token, /^prt_[\w-]{43}$/);
      assert.equal(tokens.user.id, seller.id);
      const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString());
      // exp is rounded up to the next whole second, so the token lives at least its 15 minutes.
      assert.ok([900, 901].includes(claims.exp - claims.iat), `exp - iat = ${claims.exp - claims.iat}`);
      assert.deepEqual([claims.sub, claims.role, claims.seller_id], [seller.id, 'seller', 'dealer-7']);

      const who = await me(tokens.access_token);
      assert.equal(who.status, 200, JSON.stringify(who.body));
      assert.deepEqual(
        [who.body.kind, who.body.role, who.body.seller_id, who.body.user.email],
        ['user', 'seller', 'dealer-7', seller.email],
      );
      assert.ok(who.body.user.last_login_at);

      // Refresh tokens are kept only as SHA-256 hashes.
      const rows = await t.plaza.stores.state.query<{ token_hash: string }>(
        'SELECT token_hash FROM refresh_tokens',
      );
      const hash = createHash('sha256').update(tokens.refresh_token).digest('hex');
      assert.ok(rows.some((r) => r.token_hash === hash));
      assert.ok(rows.every((r) => !r.token_hash.includes(tokens.refresh_token)));
    });

    it('answers a wrong password and an unknown email alike', async () => {
      const wrong = await call(t.url, 'POST', '/v1/auth/login', null, {
        email: seller.email,
        password: 'not-it-at-all',
      });
      const unknown = await call(t.url, 'POST', '/v1/auth/login', null, {
        email: 'nobody@dealer7.do',
        password: seller.password,
      });
      assert.deepEqual([wrong.status, unknown.status], [401, 401]);
      assert.deepEqual(wrong.body.error, unknown.body.error);
      assert.equal(wrong.body.error.code, 'invalid_credentials');
      assert.equal((await me('not-a-token')).status, 401);
    });

    it('rotates refresh tokens: each one works once and yields a working pair', async () => {
      const first = await login(t.url, seller.email, seller.password);
      const second = await refresh(t.url, first.refresh_token);
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.equal(second.headers.get('cache-control'), 'no-store');
      assert.notEqual(second.body.refresh_token, first.refresh_token);
      assert.equal((await me(second.body.access_token)).body.user.id, seller.id);
      const third = await refresh(t.url, second.body.refresh_token);
      assert.equal(third.status, 200);
      assert.equal((await me(third.body.access_token)).status, 200);
      // The same session all along: rotation does not open new ones.
      const sid = (token: string) =>
        JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;
      assert.equal(sid(third.body.access_token), sid(first.access_token));
    });

    it('reuse of a spent refresh token revokes its whole session, and only that session', async () => {
      const other = await login(t.url, seller.email, seller.password);
      const a = await login(t.url, seller.email, seller.password);
      const b = await refresh(t.url, a.refresh_token);
      assert.equal(b.status, 200);

      const replay = await refresh(t.url, a.refresh_token);
      assert.deepEqual([replay.status, replay.body.error.code], [401, 'refresh_token_reused']);
      // The thief's replay also kills the legitimate holder's newer tokens: both must sign in again.
      const next = await refresh(t.url, b.body.refresh_token);
      assert.deepEqual([next.status, next.body.error.code], [401, 'session_revoked']);
      const access = await me(b.body.access_token);
      assert.deepEqual([access.status, access.body.error.code], [401, 'session_revoked']);
      assert.equal((await me(a.access_token)).status, 401);

      assert.equal((await me(other.access_token)).status, 200, 'another session of the same user lives on');
      assert.equal((await refresh(t.url, other.refresh_token)).status, 200);
      assert.equal((await refresh(t.url, 'prt_never-issued')).body.error.code, 'invalid_refresh_token');
    });

    it('two concurrent refreshes with one token: one wins, and the session is revoked', async () => {
      const a = await login(t.url, seller.email, seller.password);
      const [x, y] = await Promise.all([refresh(t.url, a.refresh_token), refresh(t.url, a.refresh_token)]);
      const statuses = [x.status, y.status].sort();
      assert.deepEqual(statuses, [200, 401]);
      const winner = x.status === 200 ? x : y;
      const loser = x.status === 200 ? y : x;
      assert.equal(loser.body.error.code, 'refresh_token_reused');
      assert.equal((await refresh(t.url, winner.body.refresh_token)).status, 401);
      assert.equal((await me(winner.body.access_token)).status, 401);
    });

    it('logout ends the session at once, by refresh token or by access token', async () => {
      const a = await login(t.url, seller.email, seller.password);
      const out = await call(t.url, 'POST', '/v1/auth/logout', null, { refresh_token: a.refresh_token });
      assert.equal(out.status, 204);
      assert.equal((await me(a.access_token)).body.error.code, 'session_revoked');
      assert.equal((await refresh(t.url, a.refresh_token)).body.error.code, 'session_revoked');

      const b = await login(t.url, seller.email, seller.password);
      assert.equal((await call(t.url, 'POST', '/v1/auth/logout', b.access_token)).status, 204);
      assert.equal((await me(b.access_token)).status, 401);
      assert.equal((await refresh(t.url, b.refresh_token)).status, 401);

      // Idempotent for an unknown token; nothing named at all is a client mistake.
      assert.equal(
        (await call(t.url, 'POST', '/v1/auth/logout', null, { refresh_token: 'prt_unknown' })).status,
        204,
      );
      const nothing = await call(t.url, 'POST', '/v1/auth/logout', null);
      assert.deepEqual([nothing.status, nothing.body.error.code], [400, 'nothing_to_revoke']);
    });

    it('a disabled user is signed out at once, cannot sign in or refresh, and old sessions stay dead', async () => {
      const u = await createUser(t, 'leaving@dealer7.do', 'seller', { sellerId: 'dealer-7' });
      const a = await login(t.url, u.email, u.password);
      assert.equal((await me(a.access_token)).status, 200);
      assert.equal((await t.admin('POST', `/v1/admin/users/${u.id}/disable`)).status, 200);

      assert.equal((await me(a.access_token)).body.error.code, 'session_revoked');
      assert.equal((await refresh(t.url, a.refresh_token)).status, 401);
      const denied = await call(t.url, 'POST', '/v1/auth/login', null, {
        email: u.email,
        password: u.password,
      });
      assert.deepEqual([denied.status, denied.body.error.code], [401, 'invalid_credentials']);

      assert.equal((await t.admin('POST', `/v1/admin/users/${u.id}/enable`)).status, 200);
      assert.equal(
        (await refresh(t.url, a.refresh_token)).status,
        401,
        'enabling does not revive old sessions',
      );
      assert.equal((await me(a.access_token)).status, 401);
      const back = await login(t.url, u.email, u.password);
      assert.equal((await me(back.access_token)).status, 200);
    });

    it('keeps its generated signing key in the data directory, so tokens survive a restart', async () => {
      const tokens = await login(t.url, seller.email, seller.password);
      assert.equal(statSync(join(t.dataDir, 'jwt-secret')).mode & 0o777, 0o600);
      await t.close();
      t = await startPlaza({ dataDir: t.dataDir, roles: [], writeKey: 'unused', overrides });
      assert.equal((await me(tokens.access_token)).status, 200);
      const again = await refresh(t.url, tokens.refresh_token);
      assert.equal(again.status, 200, JSON.stringify(again.body));
    });
  });
}

sessionSuite('PGlite and the embedded key-value store', async () => ({ overrides: {} }));
sessionSuite('PostgreSQL and Redis', async () => {
  const db: TestDatabase = await createTestDatabase();
  return {
    overrides: { stateUrl: db.url, kvUrl: requireEnv('PLAZA_TEST_REDIS_URL') },
    drop: () => db.drop(),
  };
});

describe('access token lifetimes and signatures', () => {
  let t: TestPlaza;
  let user: { email: string; password: string };

  before(async () => {
    // Lifetimes are configurable down to seconds, so expiry is tested for real rather than with a fake clock.
    t = await startPlaza({
      roles: [],
      overrides: { auth: { accessTokenMinutes: 2 / 60, refreshTokenDays: 2 / 86_400 } },
    });
    user = await createUser(t, 'analyst@okla.do', 'analyst');
  });
  after(() => t.close(true));

  it('refuses an expired access token and an expired refresh token', async () => {
    const tokens = await login(t.url, user.email, user.password);
    assert.equal(tokens.expires_in, 2);
    assert.equal(tokens.refresh_expires_in, 2);
    assert.equal((await call(t.url, 'GET', '/v1/auth/me', tokens.access_token)).status, 200);
    // exp is whole seconds rounded up: the access token lives 2 to 3 s.
    await sleep(3100);
    const expired = await call(t.url, 'GET', '/v1/auth/me', tokens.access_token);
    assert.deepEqual([expired.status, expired.body.error.code], [401, 'token_expired']);
    assert.match(expired.body.error.message, /\/v1\/auth\/refresh/);
    const late = await refresh(t.url, tokens.refresh_token);
    assert.deepEqual([late.status, late.body.error.code], [401, 'refresh_token_expired']);
  });

  it('refuses tokens signed with another key, or with another algorithm', async () => {
    const tokens = await login(t.url, user.email, user.password);
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString());
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('a-guessed-secret-a-guessed-secret!'));
    const r = await call(t.url, 'GET', '/v1/auth/me', forged);
    assert.deepEqual([r.status, r.body.error.code], [401, 'invalid_token']);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const unsigned = `${header}.${tokens.access_token.split('.')[1]}.`;
    assert.equal((await call(t.url, 'GET', '/v1/auth/me', unsigned)).body.error.code, 'invalid_token');
  });
});
