import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LoginGuard } from '../src/accounts/login-guard.js';
import { MemoryKeyValue } from '../src/adapters/kv/memory.js';
import { RedisKeyValue } from '../src/adapters/kv/redis.js';
import { loadConfig } from '../src/config/config.js';
import { PlazaError } from '../src/core/errors.js';
import type { KeyValue } from '../src/ports/key-value.js';
import { call, createServiceKey, createUser, login, sleep } from './helpers/auth.js';
import { createTestDatabase, requireEnv, type TestDatabase, uniqueName } from './helpers/engines.js';
import { startPlaza, type TestPlaza } from './helpers/plaza.js';

/** Limits are counted in fixed windows: start a burst (a second or two) early in one, so it cannot straddle two. */
async function earlyInWindow(windowMs = 60_000) {
  const into = Date.now() % windowMs;
  if (into > windowMs - 5000) await sleep(windowMs - into + 50);
}

for (const [name, open] of [
  ['memory', () => MemoryKeyValue.open()],
  ['Redis', () => RedisKeyValue.open(requireEnv('PLAZA_TEST_REDIS_URL'))],
] as const) {
  describe(`LoginGuard on the key-value port (${name})`, () => {
    let kv: KeyValue;
    before(async () => {
      kv = await open();
    });
    after(() => kv.close());

    const locked = async (p: Promise<void>, what: 'email' | 'address') =>
      assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof PlazaError);
        assert.deepEqual(
          [e.status, e.code, (e.details as { locked: string }).locked],
          [429, 'too_many_sign_in_attempts', what],
        );
        return true;
      });

    it('locks an address that fails across many emails, per window, and lets a success clear only the email', async () => {
      const guard = new LoginGuard(kv, { windowMs: 60_000, perEmail: 3, perIp: 4 });
      const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.1`;
      const now = Math.floor(Date.now() / 60_000) * 60_000 + 1000;
      const email = `${uniqueName()}@okla.do`;
      await guard.failed(email, ip, now);
      await guard.failed(email, ip, now);
      await guard.succeeded(email, now);
      await guard.check(email, ip, now);
      for (let i = 0; i < 2; i++) await guard.failed(`${uniqueName()}@okla.do`, ip, now);
      // Four failures from the address (the success did not clear them): locked for any email.
      await locked(guard.check(`${uniqueName()}@okla.do`, ip, now), 'address');
      await guard.check(`${uniqueName()}@okla.do`, '10.0.0.99', now);
      // The next window starts afresh.
      await guard.check(`${uniqueName()}@okla.do`, ip, now + 60_000);

      const target = `${uniqueName()}@okla.do`;
      for (let i = 0; i < 3; i++) await guard.failed(target.toUpperCase(), `10.1.1.${i}`, now);
      await locked(guard.check(target, '10.9.9.9', now), 'email');
    });
  });
}

const preflight = (url: string, path: string, origin: string, method = 'POST') =>
  fetch(url + path, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type',
    },
  });

// Starting a Plaza costs seconds (PGlite's initdb), so each one serves several of the tests below.

async function rateLimitsApplyPerPrincipal(t: TestPlaza) {
  const a = await createUser(t, `a-${uniqueName()}@okla.do`, 'analyst');
  const b = await createUser(t, `b-${uniqueName()}@okla.do`, 'analyst');
  const tokenA = (await login(t.url, a.email, a.password)).access_token;
  const tokenB = (await login(t.url, b.email, b.password)).access_token;
  const key = (await createServiceKey(t, 'analyst')).secret;
  await earlyInWindow();

  for (let i = 0; i < 5; i++) assert.equal((await call(t.url, 'GET', '/v1/auth/me', tokenA)).status, 200);
  const limited = await call(t.url, 'GET', '/v1/auth/me', tokenA);
  assert.deepEqual([limited.status, limited.body.error.code], [429, 'rate_limited']);
  assert.match(limited.body.error.message, /5 requests per minute exceeded for this user or service key/);
  const retry = Number(limited.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  // Every route counts against the same budget, not only the one that was hammered.
  assert.equal((await call(t.url, 'GET', '/v1/live/projects/shop', tokenA)).status, 429);

  assert.equal(
    (await call(t.url, 'GET', '/v1/auth/me', tokenB)).status,
    200,
    'another user has their own budget',
  );
  for (let i = 0; i < 5; i++) assert.equal((await call(t.url, 'GET', '/v1/auth/me', key)).status, 200);
  assert.equal((await call(t.url, 'GET', '/v1/auth/me', key)).status, 429);
  // The operator's admin token is not limited (CLI, scripts, pipelines polling).
  for (let i = 0; i < 8; i++) assert.equal((await t.admin('GET', '/v1/admin/projects')).status, 200);
}

describe('rate limits, brute-force protection and default CORS (embedded key-value store)', () => {
  let t: TestPlaza;
  before(async () => {
    t = await startPlaza({ roles: [], overrides: { auth: { userRateLimitPerMinute: 5 } } });
  });
  after(() => t.close(true));

  it('limits each user and each service key on its own, answering 429 with Retry-After', () =>
    rateLimitsApplyPerPrincipal(t));

  it('locks an email after 5 failures, even for the right password, without locking other accounts', async () => {
    const victim = await createUser(t, 'victim@okla.do', 'seller', { sellerId: 'dealer-1' });
    const other = await createUser(t, 'other@okla.do', 'analyst');
    await earlyInWindow(15 * 60_000);
    for (let i = 0; i < 5; i++) {
      const r = await call(t.url, 'POST', '/v1/auth/login', null, {
        email: victim.email,
        password: `guess-number-${i}`,
      });
      assert.equal(r.status, 401);
    }
    const locked = await call(t.url, 'POST', '/v1/auth/login', null, {
      email: 'VICTIM@okla.do',
      password: victim.password,
    });
    assert.deepEqual([locked.status, locked.body.error.code], [429, 'too_many_sign_in_attempts']);
    const retry = Number(locked.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 15 * 60, `Retry-After ${retry}`);
    assert.equal((await login(t.url, other.email, other.password)).user.email, other.email);

    const audit = await t.admin('GET', '/v1/admin/audit?action=sign_in&outcome=failure&limit=1');
    const [entry] = audit.body.entries;
    assert.deepEqual([entry.email, entry.details.reason], ['VICTIM@okla.do', 'locked']);
  });

  it('by default keeps the app API same-origin and the collection endpoints open to every origin', async () => {
    const app = await preflight(t.url, '/v1/auth/login', 'https://app.okla.do');
    assert.equal(app.status, 404);
    assert.equal(app.headers.get('access-control-allow-origin'), null);
    const get = await fetch(`${t.url}/v1/auth/me`, { headers: { origin: 'https://app.okla.do' } });
    assert.equal(get.headers.get('access-control-allow-origin'), null);

    const collect = await preflight(t.url, '/v1/events', 'https://any-site.example');
    assert.equal(collect.status, 204);
    assert.equal(collect.headers.get('access-control-allow-origin'), '*');
    assert.match(collect.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
  });
});

describe('rate limits and configured CORS (PostgreSQL and Redis)', () => {
  let t: TestPlaza;
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    t = await startPlaza({
      roles: [],
      overrides: {
        stateUrl: db.url,
        kvUrl: requireEnv('PLAZA_TEST_REDIS_URL'),
        auth: { userRateLimitPerMinute: 5 },
        http: { corsOrigins: ['https://app.okla.do', 'http://localhost:5173'], corsCredentials: true },
      },
    });
  });
  after(async () => {
    await t.close(true);
    await db.drop();
  });

  it('limits each user and each service key on its own, answering 429 with Retry-After', () =>
    rateLimitsApplyPerPrincipal(t));

  it('lets configured origins call the app API, with credentials, and nobody else', async () => {
    for (const origin of ['https://app.okla.do', 'http://localhost:5173']) {
      const ok = await preflight(t.url, '/v1/live/sellers/x', origin, 'GET');
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), origin);
      assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
      assert.match(ok.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    }
    // A refusal carries the headers, so the permitted page can read why.
    const refused = await fetch(`${t.url}/v1/auth/me`, { headers: { origin: 'https://app.okla.do' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), 'https://app.okla.do');

    for (const origin of ['https://evil.example', 'https://app.okla.do.evil.example', 'http://app.okla.do']) {
      const no = await preflight(t.url, '/v1/auth/login', origin);
      assert.equal(no.status, 404, origin);
      assert.equal(no.headers.get('access-control-allow-origin'), null, origin);
    }
    const collect = await preflight(t.url, '/v1/track', 'https://evil.example');
    assert.equal(collect.headers.get('access-control-allow-origin'), '*', 'collection stays open');
    assert.equal(collect.headers.get('access-control-allow-credentials'), null);
  });
});

describe('auth and CORS configuration', () => {
  it('reads the settings from PLAZA_* variables and refuses unsafe or malformed ones', () => {
    const c = loadConfig({
      env: {
        PLAZA_CORS_ORIGINS: 'https://app.okla.do, http://localhost:5173',
        PLAZA_CORS_CREDENTIALS: 'true',
        PLAZA_ACCESS_TOKEN_MINUTES: '5',
        PLAZA_REFRESH_TOKEN_DAYS: '7',
        PLAZA_USER_RATE_LIMIT_PER_MINUTE: '120',
        PLAZA_JWT_SECRET: 'x'.repeat(40),
      },
    });
    assert.deepEqual(c.http, {
      corsOrigins: ['https://app.okla.do', 'http://localhost:5173'],
      corsCredentials: true,
    });
    assert.deepEqual(c.auth, {
      accessTokenMinutes: 5,
      refreshTokenDays: 7,
      userRateLimitPerMinute: 120,
      jwtSecret: 'x'.repeat(40),
    });
    const fails = (env: Record<string, string>, message: RegExp) =>
      assert.throws(
        () => loadConfig({ env }),
        (e: PlazaError) => e.code === 'config_invalid' && message.test(e.message),
      );
    fails(
      { PLAZA_JWT_SECRET: 'short' },
      /auth\.jwtSecret \[PLAZA_JWT_SECRET\]: must be at least 32 characters/,
    );
    fails({ PLAZA_CORS_ORIGINS: 'https://app.okla.do/path' }, /http\.corsOrigins/);
    fails({ PLAZA_CORS_ORIGINS: '*', PLAZA_CORS_CREDENTIALS: 'true' }, /cannot be combined/);
    fails({ PLAZA_ACCESS_TOKEN_MINUTES: '0' }, /accessTokenMinutes/);
  });
});
