import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { eventually, nativeEvent, post, startPlaza, type TestPlaza } from './helpers/plaza.js';

describe('hostile and malformed input', () => {
  let t: TestPlaza;
  before(async () => {
    t = await startPlaza({ overrides: { ingest: { maxBatchBytes: 200_000 } } });
  });
  after(() => t.close(true));

  const send = (raw: string | Buffer, headers: Record<string, string> = {}) =>
    post(t.url, '/v1/events', null, { writeKey: t.writeKey, raw, headers });

  it('malformed JSON: 400 malformed_json, and the request is kept as a dead letter', async () => {
    const body = '{"event_id": "x", "event_type": "page_view",';
    const r = await send(body);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'malformed_json');
    assert.match(r.body.error.message, /not valid JSON/);
    const kept = await eventually(async () => {
      const l = await t.admin('GET', `/v1/admin/deadletters?project=${t.projectId}&kind=malformed`);
      return l.body.dead_letters.find((d: any) => d.payload === body);
    });
    assert.equal(kept.batch_index, null);
  });

  it('wrong content type: 415', async () => {
    const r = await send('event=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(r.status, 415);
    assert.equal(r.body.error.code, 'unsupported_media_type');
  });

  it('unsupported content encoding: 415', async () => {
    const r = await send(JSON.stringify(nativeEvent()), { 'content-encoding': 'br' });
    assert.equal(r.status, 415);
    assert.equal(r.body.error.code, 'unsupported_encoding');
  });

  it('invalid UTF-8: 400 invalid_utf8', async () => {
    const bytes = Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const r = await send(bytes);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'invalid_utf8');
  });

  it('empty body: 400', async () => {
    const r = await send('');
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'empty_body');
  });

  it('oversize body: 413', async () => {
    const r = await send(
      JSON.stringify({ events: [nativeEvent({ properties: { x: 'a'.repeat(250_000) } })] }),
    );
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'payload_too_large');
  });

  it('gzip bomb: 413 on the decompressed size', async () => {
    const bomb = gzipSync(Buffer.from(`{"events":[{"x":"${'a'.repeat(5_000_000)}"}]}`));
    assert.ok(bomb.length < 200_000);
    const r = await send(bomb, { 'content-encoding': 'gzip' });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'payload_too_large');
  });

  it('corrupt gzip: 400 malformed_body', async () => {
    const r = await send(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'malformed_body');
  });

  it('not an object, events not an array: 400 invalid_body', async () => {
    assert.equal((await send('[1,2,3]')).body.error.code, 'invalid_body');
    assert.equal((await send('"hello"')).body.error.code, 'invalid_body');
    assert.equal((await send('{"events": {"a": 1}}')).body.error.code, 'invalid_body');
  });

  it('deep nesting, huge strings and wrong types are per-event rejections with pointers', async () => {
    // JSON.stringify cannot even write this (it overflows the stack); JSON.parse and Plaza must cope.
    const deep = `${'{"d":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const nested = JSON.stringify(nativeEvent({ properties: { d: 0 } })).replace('{"d":0}', deep);
    const huge = nativeEvent({ properties: { note: 'x'.repeat(70_000) } });
    const wrong = nativeEvent({ user_id: 42, properties: [] });
    const ok = nativeEvent();
    const r = await send(
      `{"events":[${nested},${[huge, wrong, ok].map((e) => JSON.stringify(e)).join(',')}]}`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 500));
    assert.equal(r.body.accepted, 1);
    const byIndex = new Map(r.body.rejected.map((x: any) => [x.index, x.errors]));
    assert.ok((byIndex.get(0) as any[]).some((e) => e.kind === 'malformed' || e.kind === 'size_violation'));
    const kept = await eventually(async () => {
      const l = await t.admin('GET', `/v1/admin/deadletters?project=${t.projectId}`);
      return l.body.dead_letters.find(
        (d: any) => d.request_id === r.headers.get('x-request-id') && d.batch_index === 0,
      );
    });
    assert.ok(kept.payload.includes('{"d":{"d":{"d":'), 'the deeply nested payload is kept as sent');
    assert.ok((byIndex.get(1) as any[]).some((e) => e.kind === 'size_violation'));
    const wrongErrors = byIndex.get(2) as any[];
    assert.ok(
      wrongErrors.some((e) => e.pointer === '/user_id'),
      JSON.stringify(wrongErrors),
    );
    assert.ok(
      wrongErrors.some((e) => e.pointer === '/properties'),
      JSON.stringify(wrongErrors),
    );
  });

  it('too many events in one batch: 413 too_many_events', async () => {
    const events = Array.from({ length: 2501 }, () => ({ a: 1 }));
    const r = await send(JSON.stringify({ events }));
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'too_many_events');
  });

  it('unknown routes: 404 pointing at the docs; the process is still healthy after all this', async () => {
    const r = await post(t.url, '/v1/nope', {});
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'not_found');
    const h = await fetch(`${t.url}/readyz`);
    assert.equal(h.status, 200);
  });
});
