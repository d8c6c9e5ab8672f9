import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { call, createUser, login, refresh } from './helpers/auth.js';
import { plazaBin, startPlaza, type TestPlaza } from './helpers/plaza.js';

const run = promisify(execFile);

/** The CLI as a separate process (async: the server answering it runs in this process). */
async function plaza(dataDir: string, ...args: string[]) {
  try {
    const r = await run(process.execPath, [plazaBin, '--data-dir', dataDir, ...args], {
      env: { PATH: process.env.PATH ?? '' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

interface Entry {
  id: string;
  at: string;
  action: string;
  outcome: string;
  principal_kind: string | null;
  principal_id: string | null;
  email: string | null;
  method: string | null;
  route: string | null;
  params: Record<string, string> | null;
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  details: any;
}

describe('audit log', () => {
  let t: TestPlaza;
  let seller: { id: string; email: string; password: string };
  let admin: { id: string; email: string; password: string };
  const audit = async (query = ''): Promise<Entry[]> => {
    const r = await t.admin('GET', `/v1/admin/audit${query}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.entries;
  };

  before(async () => {
    t = await startPlaza({ roles: [], projectId: 'okla' });
    seller = await createUser(t, 'ventas@dealer7.do', 'seller', { sellerId: 'dealer-7' });
    admin = await createUser(t, 'ops@okla.do', 'admin');
  });
  after(() => t.close(true));

  it('records sign-ins, failed ones with their reason, with address and user agent', async () => {
    const ua = { 'user-agent': 'AuditTest/1.0' };
    const ok = await login(t.url, seller.email, seller.password, ua);
    await call(
      t.url,
      'POST',
      '/v1/auth/login',
      null,
      { email: seller.email, password: 'wrong-password' },
      ua,
    );
    await call(
      t.url,
      'POST',
      '/v1/auth/login',
      null,
      { email: 'ghost@okla.do', password: 'whatever-it-is' },
      ua,
    );

    const [unknown, wrong, success] = await audit('?action=sign_in');
    assert.deepEqual(
      [
        success!.outcome,
        success!.principal_kind,
        success!.principal_id,
        success!.email,
        success!.ip,
        success!.user_agent,
      ],
      ['success', 'user', seller.id, seller.email, '127.0.0.1', 'AuditTest/1.0'],
    );
    assert.equal(
      success!.details.session_id,
      JSON.parse(Buffer.from(ok.access_token.split('.')[1]!, 'base64url').toString()).sid,
    );
    assert.deepEqual(
      [wrong!.outcome, wrong!.email, wrong!.details.reason],
      ['failure', seller.email, 'wrong_password'],
    );
    assert.deepEqual(
      [unknown!.outcome, unknown!.email, unknown!.details.reason],
      ['failure', 'ghost@okla.do', 'unknown_email'],
    );
    assert.equal(unknown!.principal_id, null);

    // Nothing secret is recorded.
    const all = JSON.stringify(await audit());
    assert.doesNotMatch(all, /wrong-password|whatever-it-is/);
    assert.ok(!all.includes(seller.password));
  });

  it('records refresh-token reuse and sign-outs', async () => {
    const a = await login(t.url, seller.email, seller.password);
    await refresh(t.url, a.refresh_token);
    await refresh(t.url, a.refresh_token);
    const [reuse] = await audit('?action=refresh_reuse');
    assert.deepEqual(
      [reuse!.outcome, reuse!.principal_id, reuse!.email],
      ['failure', seller.id, seller.email],
    );
    assert.equal(reuse!.details.session_revoked, true);

    const b = await login(t.url, seller.email, seller.password);
    await call(t.url, 'POST', '/v1/auth/logout', b.access_token);
    const [out] = await audit('?action=sign_out');
    assert.deepEqual([out!.outcome, out!.principal_id], ['success', seller.id]);
  });

  it('records every state-changing admin request, granted or refused, with principal, route and params', async () => {
    const adminToken = (await login(t.url, admin.email, admin.password)).access_token;
    const sellerToken = (await login(t.url, seller.email, seller.password)).access_token;
    const before = (await audit())[0]!.id;

    await t.admin('POST', '/v1/admin/projects', { id: 'stores' });
    await call(t.url, 'POST', '/v1/admin/users', adminToken, {
      email: 'new@okla.do',
      role: 'analyst',
      password: 'a-secret-password',
    });
    await call(t.url, 'POST', `/v1/admin/users/${encodeURIComponent(seller.email)}/disable`, null);
    await call(t.url, 'POST', '/v1/pipelines/daily_marts/run', sellerToken, {});
    await t.admin('POST', '/v1/admin/stream/replay', { group: 'live-counters', from: 0 });
    await t.admin('POST', '/v1/quality/quarantine/release', { ids: ['q-1'] });
    await t.admin('GET', '/v1/admin/users');
    await call(t.url, 'GET', '/v1/auth/me', sellerToken);

    const rows = (await audit(`?action=admin_request`))
      .filter((e) => Number(e.id) > Number(before))
      .reverse();
    const brief = rows.map((e) => [e.method, e.route, e.status, e.principal_kind, e.outcome]);
    assert.deepEqual(brief, [
      ['POST', '/v1/admin/projects', 201, 'admin-token', 'success'],
      ['POST', '/v1/admin/users', 201, 'user', 'success'],
      ['POST', '/v1/admin/users/:id/disable', 401, null, 'failure'],
      ['POST', '/v1/pipelines/:id/run', 403, 'user', 'failure'],
      ['POST', '/v1/admin/stream/replay', 409, 'admin-token', 'failure'],
      [
        'POST',
        '/v1/quality/quarantine/release',
        rows[5]!.status,
        'admin-token',
        rows[5]!.status! < 400 ? 'success' : 'failure',
      ],
    ]);
    const [project, user, disable, run] = rows;
    assert.deepEqual(project!.details.body, { id: 'stores' });
    assert.deepEqual([user!.principal_id, user!.email], [admin.id, admin.email]);
    assert.deepEqual(user!.details.body, { email: 'new@okla.do', role: 'analyst', password: '[redacted]' });
    assert.deepEqual(disable!.params, { id: seller.email });
    assert.deepEqual(run!.params, { id: 'daily_marts' });
    assert.doesNotMatch(JSON.stringify(rows), /a-secret-password/);
  });

  it('filters by user, action, outcome and time, newest first, page by page', async () => {
    const bySeller = await audit(`?user=${encodeURIComponent(seller.email.toUpperCase())}`);
    assert.ok(bySeller.length >= 4);
    assert.ok(bySeller.every((e) => e.email === seller.email));
    const mine = await audit(`?user=${seller.id}&action=sign_in&outcome=success`);
    assert.ok(mine.length >= 3 && mine.every((e) => e.principal_id === seller.id && e.outcome === 'success'));
    const failures = await audit('?action=sign_in&outcome=failure');
    assert.ok(failures.length >= 2 && failures.every((e) => e.outcome === 'failure'));
    assert.ok((await audit('?since=1h')).length > 5);
    assert.deepEqual(await audit(`?since=${new Date(Date.now() + 60_000).toISOString()}`), []);

    const page1 = await t.admin('GET', '/v1/admin/audit?limit=2');
    const page2 = await t.admin('GET', `/v1/admin/audit?limit=2&before=${page1.body.next_cursor}`);
    assert.equal(page1.body.entries.length, 2);
    assert.ok(Number(page2.body.entries[0].id) < Number(page1.body.entries[1].id));

    const bad = await t.admin('GET', '/v1/admin/audit?action=login');
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'invalid_action']);
    assert.match(bad.body.error.message, /sign_in, sign_out, refresh_reuse, admin_request/);
    assert.equal((await t.admin('GET', '/v1/admin/audit?since=yesterday')).body.error.code, 'invalid_time');
    const adminUser = (await login(t.url, admin.email, admin.password)).access_token;
    assert.equal((await call(t.url, 'GET', '/v1/admin/audit', adminUser)).status, 200, 'admin users read it');
  });

  it('is readable with `plaza audit`, and service keys are managed with `plaza service-keys`', async () => {
    const r = await plaza(
      t.dataDir,
      '--json',
      'audit',
      '--user',
      seller.email,
      '--action',
      'sign_in',
      '--since',
      '1h',
    );
    assert.equal(r.code, 0, r.stderr);
    const entries = JSON.parse(r.stdout) as Entry[];
    assert.ok(entries.length >= 3);
    assert.ok(entries.every((e) => e.action === 'sign_in' && e.email === seller.email));
    const table = await plaza(t.dataDir, 'audit', '--action', 'admin_request', '--limit', '3');
    assert.match(table.stdout, /admin_request/);
    assert.match(table.stdout.split('\n')[0]!, /^AT\s+ACTION\s+OUTCOME/);
    const bad = await plaza(t.dataDir, 'audit', '--since', 'last week');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid_time/);

    const created = await plaza(
      t.dataDir,
      'service-keys',
      'create',
      '--name',
      'crm',
      '--role',
      'seller',
      '--seller-id',
      'dealer-7',
    );
    assert.equal(created.code, 0, created.stderr);
    const [secret, note] = created.stdout.split('\n');
    assert.match(secret!, /^psk_/);
    const keyId = /service key (sk_[0-9a-f]+)/.exec(note!)![1]!;
    assert.equal((await call(t.url, 'GET', '/v1/live/sellers/dealer-7?project=okla', secret!)).status, 200);
    const listed = await plaza(t.dataDir, 'service-keys', 'list');
    assert.match(listed.stdout, new RegExp(keyId));
    assert.equal((await plaza(t.dataDir, 'service-keys', 'revoke', keyId)).code, 0);
    assert.equal((await call(t.url, 'GET', '/v1/live/sellers/dealer-7?project=okla', secret!)).status, 401);
  });
});
