import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPlaza, type TestPlaza } from './helpers/plaza.js';

describe('users admin API', () => {
  let t: TestPlaza;
  /** Every answer body seen, to check that no password hash ever leaves the server. */
  const bodies: string[] = [];

  /** What `plaza demo` does: the app's own inject with the admin token. */
  const api = async (method: 'GET' | 'POST', url: string, payload?: object, token?: string | null) => {
    const res = await t.plaza.http.inject({
      method,
      url,
      headers: token === null ? {} : { authorization: `Bearer ${token ?? t.plaza.adminToken}` },
      ...(payload === undefined ? {} : { payload }),
    });
    bodies.push(res.body);
    return { status: res.statusCode, body: res.json() };
  };
  const expectError = async (
    r: Promise<{ status: number; body: any }>,
    status: number,
    code: string,
    message?: RegExp,
  ) => {
    const { status: s, body } = await r;
    assert.equal(s, status, JSON.stringify(body));
    assert.equal(body.error.code, code, body.error.message);
    if (message) assert.match(body.error.message, message);
    assert.ok(body.request_id);
  };

  before(async () => {
    t = await startPlaza({ projectId: 'okla', roles: [] });
  });
  after(async () => {
    for (const b of bodies) {
      assert.doesNotMatch(b, /\$argon2|password_hash/, 'no answer carries a password hash');
    }
    await t.close(true);
  });

  it('creates the demo users: an admin with a generated password, a seller bound to a seller id', async () => {
    // null stands for "not given", as a form would send it.
    const admin = await api('POST', '/v1/admin/users', {
      email: 'admin@okla.do',
      role: 'admin',
      seller_id: null,
      project_id: null,
      name: null,
      password: null,
    });
    assert.equal(admin.status, 201);
    assert.match(admin.body.id, /^usr_/);
    assert.equal(admin.body.role, 'admin');
    assert.equal(admin.body.seller_id, null);
    assert.equal(admin.body.name, 'admin');
    assert.match(admin.body.password, /^[A-Za-z0-9]{20}$/);

    const seller = await api('POST', '/v1/admin/users', {
      email: 'ventas@dealer7.do',
      name: 'Dealer 7',
      role: 'seller',
      seller_id: 'dealer-7',
      project_id: 'okla',
      password: 'demo-seller-pass',
    });
    assert.equal(seller.status, 201);
    assert.deepEqual(
      Object.keys(seller.body).sort(),
      [
        'created_at',
        'disabled_at',
        'email',
        'id',
        'last_login_at',
        'name',
        'project_id',
        'role',
        'seller_id',
      ],
      'a given password is not echoed, and there is no hash',
    );
    assert.equal(seller.body.seller_id, 'dealer-7');
    assert.equal(seller.body.project_id, 'okla');

    const shown = await api('GET', `/v1/admin/users/${seller.body.id}`);
    assert.deepEqual(shown, { status: 200, body: seller.body });
    const byEmail = await api('GET', `/v1/admin/users/${encodeURIComponent('VENTAS@dealer7.do')}`);
    assert.deepEqual(byEmail.body, seller.body);
  });

  it('answers every invalid request with a precise 400', async () => {
    const create = (body: object) => api('POST', '/v1/admin/users', body);
    await expectError(create({ email: 'not-an-email', role: 'admin' }), 400, 'invalid_email', /not an email/);
    await expectError(
      create({ email: 'x@okla.do', role: 'superuser' }),
      400,
      'invalid_role',
      /"superuser" is not one of admin, analyst, seller/,
    );
    await expectError(create({ email: 'x@okla.do', role: 'seller' }), 400, 'seller_id_required', /seller_id/);
    await expectError(
      create({ email: 'x@okla.do', role: 'analyst', seller_id: 'dealer-7' }),
      400,
      'seller_id_not_allowed',
      /only to role seller/,
    );
    await expectError(
      create({ email: 'x@okla.do', role: 'admin', password: 'short' }),
      400,
      'password_too_short',
      /at least 10 characters/,
    );
    await expectError(
      create({ email: 'x@okla.do', role: 'admin', project_id: 'elsewhere' }),
      400,
      'unknown_project',
      /no project "elsewhere"/,
    );
    await expectError(create({ role: 'admin' }), 400, 'invalid_request', /email/);
    await expectError(create({ email: 'x@okla.do' }), 400, 'invalid_request', /role/);
    await expectError(create({ email: 'x@okla.do', role: 'admin', is_root: true }), 400, 'invalid_request');
    await expectError(
      create({ email: 'x@okla.do', role: 'admin', password: { value: 'x' } }),
      400,
      'invalid_request',
    );
    await expectError(
      api('GET', '/v1/admin/users?role=owner'),
      400,
      'invalid_role',
      /not one of admin, analyst, seller/,
    );
    const none = await api('GET', '/v1/admin/users/x%40okla.do');
    assert.equal(none.status, 404, 'nothing was created by the refused requests');
  });

  it('refuses a duplicate email whatever its case (409)', async () => {
    await expectError(
      api('POST', '/v1/admin/users', { email: 'Admin@OKLA.do', role: 'analyst' }),
      409,
      'user_exists',
      /"admin@okla.do" already exists \(usr_/,
    );
  });

  it('answers 404 for unknown users', async () => {
    await expectError(api('GET', '/v1/admin/users/usr_0123456789abcdef'), 404, 'user_not_found');
    await expectError(api('POST', '/v1/admin/users/usr_0123456789abcdef/disable'), 404, 'user_not_found');
    await expectError(
      api('POST', `/v1/admin/users/${encodeURIComponent('ghost@okla.do')}/enable`),
      404,
      'user_not_found',
      /no user with email "ghost@okla.do"/,
    );
  });

  it('lists with filters and pages, disables and enables', async () => {
    const analyst = await api('POST', '/v1/admin/users', { email: 'bi@okla.do', role: 'analyst' });
    assert.equal(analyst.status, 201);
    const emails = (r: { body: { users: { email: string }[] } }) => r.body.users.map((u) => u.email);

    assert.deepEqual(emails(await api('GET', '/v1/admin/users')), [
      'admin@okla.do',
      'bi@okla.do',
      'ventas@dealer7.do',
    ]);
    assert.deepEqual(emails(await api('GET', '/v1/admin/users?role=seller')), ['ventas@dealer7.do']);
    assert.deepEqual(emails(await api('GET', '/v1/admin/users?seller_id=dealer-7')), ['ventas@dealer7.do']);
    assert.deepEqual(emails(await api('GET', '/v1/admin/users?project_id=okla')), ['ventas@dealer7.do']);

    const page1 = await api('GET', '/v1/admin/users?limit=2');
    assert.deepEqual(emails(page1), ['admin@okla.do', 'bi@okla.do']);
    assert.equal(page1.body.next_cursor, 'bi@okla.do');
    const page2 = await api(
      'GET',
      `/v1/admin/users?limit=2&after=${encodeURIComponent(page1.body.next_cursor)}`,
    );
    assert.deepEqual(emails(page2), ['ventas@dealer7.do']);
    assert.equal(page2.body.next_cursor, null);

    const off = await api('POST', `/v1/admin/users/${analyst.body.id}/disable`);
    assert.equal(off.status, 200);
    assert.ok(off.body.disabled_at);
    assert.deepEqual(emails(await api('GET', '/v1/admin/users')), ['admin@okla.do', 'ventas@dealer7.do']);
    assert.deepEqual(emails(await api('GET', '/v1/admin/users?include_disabled=true&role=analyst')), [
      'bi@okla.do',
    ]);
    const on = await api('POST', `/v1/admin/users/${encodeURIComponent('BI@okla.do')}/enable`);
    assert.equal(on.status, 200);
    assert.equal(on.body.disabled_at, null);
  });

  it('needs the admin token on every users route', async () => {
    for (const [method, url] of [
      ['POST', '/v1/admin/users'],
      ['GET', '/v1/admin/users'],
      ['GET', '/v1/admin/users/admin%40okla.do'],
      ['POST', '/v1/admin/users/admin%40okla.do/disable'],
      ['POST', '/v1/admin/users/admin%40okla.do/enable'],
    ] as const) {
      const body = method === 'POST' ? { email: 'evil@x.do', role: 'admin' } : undefined;
      await expectError(api(method, url, body, null), 401, 'admin_auth_required');
      await expectError(api(method, url, body, 'wrong-token'), 401, 'admin_auth_required');
    }
    const still = await api('GET', '/v1/admin/users/admin%40okla.do');
    assert.equal(still.body.disabled_at, null);
  });

  it('works over HTTP and is documented in OpenAPI', async () => {
    const listed = await t.admin('GET', '/v1/admin/users?role=admin');
    assert.equal(listed.status, 200);
    bodies.push(JSON.stringify(listed.body));
    assert.deepEqual(
      listed.body.users.map((u: { email: string }) => u.email),
      ['admin@okla.do'],
    );
    const spec = (await (await fetch(`${t.url}/openapi.json`)).json()) as { paths: Record<string, any> };
    for (const path of [
      '/v1/admin/users',
      '/v1/admin/users/{id}',
      '/v1/admin/users/{id}/disable',
      '/v1/admin/users/{id}/enable',
    ]) {
      assert.ok(spec.paths[path], `${path} documented`);
    }
    assert.match(JSON.stringify(spec.paths['/v1/admin/users'].post), /admin, analyst, seller/);
  });
});
