import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import type { Row } from '../src/ports/warehouse.js';
import { type IdentityInput, IdentityMap } from '../src/stream/identity/identity-map.js';
import { isUsableId, unusableIds, usableIdSql } from '../src/stream/identity/rules.js';
import { post, startPlaza } from './helpers/plaza.js';

const at = (hhmm: string): number => Date.parse(`2026-03-10T${hhmm}:00.000Z`);
let seq = 0;

function input(o: Partial<IdentityInput> & { project_id?: string }): IdentityInput {
  return {
    project_id: 'p',
    event_id: `e-${String(++seq).padStart(4, '0')}`,
    event_type: 'page_view',
    anonymous_id: null,
    user_id: null,
    properties: {},
    ...o,
  };
}

const identify = (anon: string, user: string) =>
  input({ event_type: 'identify', anonymous_id: anon, user_id: user });
const alias = (previous: string, user: string) =>
  input({ event_type: 'alias', user_id: user, properties: { previous_id: previous } });

function rowsOf(map: IdentityMap): Row[] {
  map.takeRelinked();
  return map
    .takeRows()
    .identityRows.map((r) => ({ anon: r.anonymous_id, user: r.user_id, status: r.status, reason: r.reason }))
    .sort((a, b) => `${a.anon}/${a.user}`.localeCompare(`${b.anon}/${b.user}`));
}

describe('identity rules', () => {
  it('links an anonymous id on identify, on any event carrying both ids, and on alias (previous id)', () => {
    const m = new IdentityMap();
    m.observe(identify('a-1', 'u-1'), at('10:00'));
    m.observe(input({ event_type: 'search', anonymous_id: 'a-2', user_id: 'u-2' }), at('10:01'));
    m.observe(alias('a-3', 'u-3'), at('10:02'));
    assert.equal(m.userOf('p', 'a-1'), 'u-1');
    assert.equal(m.userOf('p', 'a-2'), 'u-2');
    assert.equal(m.userOf('p', 'a-3'), 'u-3');
    assert.equal(m.userOf('other-project', 'a-1'), null, 'per project');
    const rows = m.takeRows().identityRows;
    assert.deepEqual(rows.map((r) => r.via).sort(), ['alias', 'event', 'identify']);
    const relinked = m.takeRelinked().map((r) => r.anon);
    assert.deepEqual(relinked.sort(), ['a-1', 'a-2', 'a-3']);
  });

  it('never merges into placeholder ids such as "null", "undefined", "guest", "anonymous", "0", ""', () => {
    for (const required of ['null', 'undefined', 'guest', 'anonymous', '0', ''])
      assert.ok(unusableIds.includes(required), required);
    const m = new IdentityMap();
    const junk = ['null', 'undefined', 'guest', 'anonymous', '0', '', 'NULL', ' Guest ', 'Undefined'];
    for (const id of junk) {
      assert.equal(isUsableId(id), false, id);
      m.observe(identify('a-1', id), at('10:00'));
      m.observe(identify(id, 'u-1'), at('10:00'));
      m.observe(alias(id, 'u-2'), at('10:00'));
    }
    assert.equal(m.userOf('p', 'a-1'), null);
    for (const id of junk) assert.equal(m.userOf('p', id), null);
    for (const id of junk) assert.equal(m.isUser('p', id), false, `"${id}" is not a user`);
    assert.deepEqual(rowsOf(m), []);
    assert.ok(m.stats.unusableIds >= junk.length * 3);
    assert.equal(isUsableId('u-123'), true);
  });

  it('first identification wins: an anonymous id linked to a user is not moved, the conflict is recorded', () => {
    const m = new IdentityMap();
    m.observe(identify('a-1', 'u-1'), at('10:00'));
    m.observe(identify('a-1', 'u-2'), at('11:00'));
    m.observe(input({ event_type: 'click', anonymous_id: 'a-1', user_id: 'u-2' }), at('11:05'));
    assert.equal(m.userOf('p', 'a-1'), 'u-1');
    assert.deepEqual(rowsOf(m), [
      { anon: 'a-1', user: 'u-1', status: 'linked', reason: null },
      { anon: 'a-1', user: 'u-2', status: 'rejected', reason: 'anonymous_id_taken' },
    ]);
    assert.equal(m.stats.conflicts, 1);
  });

  it('"first" is by event time: an earlier identification read later takes the link (replays agree)', () => {
    const m = new IdentityMap();
    m.observe(identify('a-1', 'u-2'), at('11:00'));
    assert.equal(m.userOf('p', 'a-1'), 'u-2');
    m.takeRelinked();
    m.observe(alias('a-1', 'u-1'), at('10:00'));
    assert.equal(m.userOf('p', 'a-1'), 'u-1');
    assert.deepEqual(
      m.takeRelinked().map((r) => r.anon),
      ['a-1'],
      'sessions of a-1 must be attributed again',
    );
    assert.deepEqual(rowsOf(m), [
      { anon: 'a-1', user: 'u-1', status: 'linked', reason: null },
      { anon: 'a-1', user: 'u-2', status: 'rejected', reason: 'anonymous_id_taken' },
    ]);
    // The other order gives the same map.
    const other = new IdentityMap();
    other.observe(alias('a-1', 'u-1'), at('10:00'));
    other.observe(identify('a-1', 'u-2'), at('11:00'));
    assert.equal(other.userOf('p', 'a-1'), 'u-1');
  });

  it('never merges a user id away into another user, also when it is recognised as a user later', () => {
    const m = new IdentityMap();
    m.observe(input({ event_type: 'search', user_id: 'u-1' }), at('09:00'));
    assert.equal(m.isUser('p', 'u-1'), true);
    m.observe(alias('u-1', 'u-2'), at('10:00'));
    assert.equal(m.userOf('p', 'u-1'), null, 'u-1 stays itself');

    // x-9 is aliased as if it were anonymous, then shows up as the user id of an event: the link is revoked.
    m.observe(alias('x-9', 'u-3'), at('10:30'));
    assert.equal(m.userOf('p', 'x-9'), 'u-3');
    m.observe(input({ event_type: 'click', user_id: 'x-9' }), at('10:40'));
    assert.equal(m.userOf('p', 'x-9'), null);
    assert.equal(m.stats.revoked, 1);
    assert.deepEqual(rowsOf(m), [
      { anon: 'u-1', user: 'u-2', status: 'rejected', reason: 'anonymous_id_is_user' },
      { anon: 'x-9', user: 'u-3', status: 'rejected', reason: 'anonymous_id_is_user' },
    ]);
    const users = m.takeRows().userRows;
    assert.deepEqual(users, [], 'known users were already handed out');
  });

  it('restores the same map from its rows', () => {
    const m = new IdentityMap();
    m.observe(identify('a-1', 'u-1'), at('10:00'));
    m.observe(identify('a-1', 'u-2'), at('11:00'));
    m.observe(input({ event_type: 'search', user_id: 'u-9' }), at('11:00'));
    m.takeRelinked();
    const { identityRows, userRows } = m.takeRows();
    const restored = new IdentityMap();
    restored.load(identityRows, userRows);
    assert.equal(restored.userOf('p', 'a-1'), 'u-1');
    assert.equal(restored.isUser('p', 'u-9'), true);
    restored.observe(identify('a-1', 'u-3'), at('12:00'));
    assert.equal(restored.userOf('p', 'a-1'), 'u-1');
  });

  it('usableIdSql agrees with isUsableId', async () => {
    const w = await DuckDbWarehouse.open(':memory:');
    try {
      const ids = [...unusableIds, 'NULL', ' guest', 'u-1', 'a_7f3c', 'nulled'];
      const rows = await w.query<{ id: string; ok: boolean }>(
        `SELECT id, ${usableIdSql('id')} AS ok FROM (SELECT unnest($1::VARCHAR[]) AS id)`,
        [ids],
      );
      for (const r of rows) assert.equal(r.ok, isUsableId(r.id), JSON.stringify(r.id));
    } finally {
      await w.close();
    }
  });
});

describe('identity stitching in the stream', () => {
  it('attributes sessions and events to one person; conflicts and user merges are refused', async () => {
    const t = await startPlaza();
    try {
      await t.admin('PATCH', `/v1/admin/projects/${t.projectId}/settings`, {
        maxPastMs: 20 * 365 * 86_400_000,
      });
      const ev = (type: string, time: string, o: Record<string, unknown>) => ({
        event_id: `si-${++seq}`,
        event_type: type,
        timestamp: `2026-03-10T${time}:00.000Z`,
        context: { page_url: 'https://okla.do/' },
        properties: type === 'contact_sent' ? { channel: 'form' } : {},
        ...o,
      });
      const send = async (events: Record<string, unknown>[]) => {
        const r = await post(t.url, '/v1/events', { events }, { writeKey: t.writeKey });
        assert.equal(r.body.accepted, events.length, JSON.stringify(r.body));
        await t.plaza.drain();
      };
      // A shared browser s-1: u-1 identifies first; hours later u-2 logs in on it.
      await send([
        ev('page_view', '10:00', { anonymous_id: 's-1' }),
        ev('identify', '10:01', { anonymous_id: 's-1', user_id: 'u-1' }),
        ev('page_view', '10:02', { anonymous_id: 's-1', user_id: 'u-1' }),
      ]);
      await send([
        ev('page_view', '12:00', { anonymous_id: 's-1' }),
        ev('contact_sent', '12:01', { anonymous_id: 's-1', user_id: 'u-2' }),
      ]);
      // A merge of two users is refused: u-1 stays u-1.
      await send([ev('alias', '12:30', { user_id: 'u-3', properties: { previous_id: 'u-1' } })]);
      // r-1 identifies as u-5 at 09:10; a server-side alias, read later but stamped 09:05, names u-6 first.
      await send([
        ev('page_view', '09:00', { anonymous_id: 'r-1' }),
        ev('identify', '09:10', { anonymous_id: 'r-1', user_id: 'u-5' }),
      ]);
      await send([ev('alias', '09:05', { user_id: 'u-6', properties: { previous_id: 'r-1' } })]);

      const w = t.plaza.stores.warehouse;
      const identities = await w.query(
        'SELECT anonymous_id, user_id, status, reason, via FROM identities ORDER BY anonymous_id, user_id',
      );
      assert.deepEqual(identities, [
        {
          anonymous_id: 'r-1',
          user_id: 'u-5',
          status: 'rejected',
          reason: 'anonymous_id_taken',
          via: 'identify',
        },
        { anonymous_id: 'r-1', user_id: 'u-6', status: 'linked', reason: null, via: 'alias' },
        { anonymous_id: 's-1', user_id: 'u-1', status: 'linked', reason: null, via: 'identify' },
        {
          anonymous_id: 's-1',
          user_id: 'u-2',
          status: 'rejected',
          reason: 'anonymous_id_taken',
          via: 'event',
        },
        {
          anonymous_id: 'u-1',
          user_id: 'u-3',
          status: 'rejected',
          reason: 'anonymous_id_is_user',
          via: 'alias',
        },
      ]);
      const sessions = await w.query(
        'SELECT visitor, user_id, event_user_id, events FROM sessions ORDER BY started_at',
      );
      assert.deepEqual(sessions, [
        { visitor: 'r-1', user_id: 'u-6', event_user_id: null, events: 1 },
        { visitor: 's-1', user_id: 'u-1', event_user_id: 'u-1', events: 2 },
        // The session's own events name u-2: it stays u-2's, though the browser is linked to u-1.
        { visitor: 's-1', user_id: 'u-2', event_user_id: 'u-2', events: 2 },
      ]);
      const resolved = await w.query(
        `SELECT anonymous_id, user_id, resolved_user_id, person_id FROM events_resolved
         WHERE event_type IN ('page_view', 'contact_sent') ORDER BY timestamp`,
      );
      assert.deepEqual(resolved, [
        { anonymous_id: 'r-1', user_id: null, resolved_user_id: 'u-6', person_id: 'u-6' },
        { anonymous_id: 's-1', user_id: null, resolved_user_id: 'u-1', person_id: 'u-1' },
        { anonymous_id: 's-1', user_id: 'u-1', resolved_user_id: 'u-1', person_id: 'u-1' },
        { anonymous_id: 's-1', user_id: null, resolved_user_id: 'u-1', person_id: 'u-1' },
        { anonymous_id: 's-1', user_id: 'u-2', resolved_user_id: 'u-2', person_id: 'u-2' },
      ]);
      const users = await w.query('SELECT user_id FROM identity_users ORDER BY user_id');
      assert.deepEqual(
        users.map((u) => u.user_id),
        ['u-1', 'u-2', 'u-3', 'u-5', 'u-6'],
      );
    } finally {
      await t.close(true);
    }
  });
});
