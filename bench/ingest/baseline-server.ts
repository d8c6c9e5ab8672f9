/**
 * The benchmark's baseline: a bare Fastify server that parses the JSON body of `POST /v1/events` and answers
 * 200 with the same answer shape as Plaza (so the load generator's accounting is the same for both). No
 * auth, validation, enrichment, dedup or storage: the ceiling of an HTTP+JSON server on this machine.
 *
 *   node dist/bench/ingest/baseline-server.js [--port 0]
 *
 * Logs `{"msg":"baseline is up","url":...}` on stdout once listening; stops on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

// Plaza accepts 512 KB bodies; the same limit keeps the parse work comparable.
const app = Fastify({ logger: false, bodyLimit: 512_000 });

app.post('/v1/events', async (request) => {
  const body = request.body as { events?: unknown[] } | null;
  const accepted = Array.isArray(body?.events) ? body.events.length : 1;
  return { success: true, accepted, deduplicated: 0, rejected: [] };
});

const url = await app.listen({ port: Number(args.port), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ msg: 'baseline is up', url, pid: process.pid })}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
