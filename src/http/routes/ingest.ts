import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Collector, IngestItem, IngestOutcome } from '../../collector/collector.js';
import { mergeBatchContext } from '../../collector/normalize/segment.js';
import type { IngestContext, SegmentType } from '../../collector/types.js';
import { PlazaError } from '../../core/errors.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Projects } from '../../projects/projects.js';
import type { WriteKeys } from '../../projects/write-keys.js';
import { authenticateWriteKey } from '../auth.js';
import { rawExcerpt } from '../body.js';
import { sendError } from '../errors.js';
import type { RateLimiter } from '../rate-limit.js';

export interface IngestRouteDeps {
  collector: Collector;
  keys: WriteKeys;
  projects: Projects;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  limits: { maxBatchEvents: number };
}

const segmentTypes: SegmentType[] = ['track', 'identify', 'page', 'screen', 'group', 'alias'];
/** The collection endpoints: write-key authentication, and CORS open to every origin (src/http/cors.ts). */
export const collectPaths = new Set<string>([
  '/v1/events',
  '/v1/batch',
  '/v1/b',
  ...segmentTypes.map((t) => `/v1/${t}`),
]);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// The ingest routes validate bodies themselves (invalid events become dead letters, not 400s from a schema),
// so their schemas are documentation only.
const docsOnly = () => () => true;

const ingestResponse = {
  type: 'object',
  properties: {
    success: { type: 'boolean' },
    accepted: { type: 'integer', description: 'events durably stored' },
    deduplicated: { type: 'integer', description: 'events already stored under the same id' },
    rejected: {
      type: 'array',
      description: 'invalid events, kept as dead letters',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                kind: { type: 'string' },
                pointer: { type: 'string' },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
    request_id: { type: 'string' },
  },
} as const;

export function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  async function contextOf(request: FastifyRequest, sentAt: unknown): Promise<IngestContext> {
    const key = await authenticateWriteKey(request, deps.keys);
    try {
      await deps.rateLimiter.hit(key.keyId);
    } catch (e) {
      deps.metrics.rateLimited.inc({ project: key.projectId });
      throw e;
    }
    const project = await deps.projects.get(key.projectId);
    const ua = request.headers['user-agent'];
    return {
      projectId: key.projectId,
      keyId: key.keyId,
      receivedAt: new Date(),
      requestIp: request.ip ?? null,
      requestUserAgent: typeof ua === 'string' ? ua : null,
      sentAt: typeof sentAt === 'string' ? sentAt : null,
      settings: project.settings,
    };
  }

  function answer(reply: FastifyReply, request: FastifyRequest, outcome: IngestOutcome, single: boolean) {
    if (single && outcome.rejected.length === 1) {
      const errors = outcome.rejected[0]!.errors;
      throw new PlazaError(
        'invalid_event',
        `event rejected and kept as a dead letter: ${errors.map((e) => `${e.pointer || '/'}: ${e.message}`).join('; ')}`,
        400,
        { details: errors },
      );
    }
    return reply.send({ success: true, ...outcome, request_id: request.id });
  }

  function checkBatchSize(n: number): void {
    if (n > deps.limits.maxBatchEvents) {
      throw new PlazaError(
        'too_many_events',
        `a batch holds at most ${deps.limits.maxBatchEvents} events; this one has ${n}: split it`,
        413,
      );
    }
  }

  // CORS for these routes is set up with the app API's, in one place: src/http/cors.ts.
  app.register(async (scope) => {
    scope.setValidatorCompiler(docsOnly);
    // A request whose body could not be parsed is still kept as a dead letter when its key is valid:
    // the sender's bug is then visible in Plaza instead of only in the sender's logs.
    scope.setErrorHandler(async (err, request, reply) => {
      const raw = (request as unknown as { rawBodyForDeadLetter?: Buffer }).rawBodyForDeadLetter;
      const code = (err as { code?: string }).code;
      if (raw && (code === 'malformed_json' || code === 'invalid_utf8' || code === 'malformed_body')) {
        try {
          const ctx = await contextOf(request, undefined);
          await deps.collector.keepMalformedRequest(rawExcerpt(raw), ctx, request.id, {
            kind: 'malformed',
            pointer: '',
            message: (err as Error).message,
          });
        } catch {
          // Unauthenticated or unstorable: nothing is kept, the client still gets the parse error.
        }
      }
      return sendError(request, reply, err);
    });

    scope.post(
      '/v1/events',
      {
        schema: {
          tags: ['collect'],
          summary: 'Send one native event or a batch {"events": [...]}',
          description:
            'Write key as HTTP Basic username (empty password), Bearer token, or ?writeKey=. Body JSON (gzip or deflate ' +
            'Content-Encoding accepted; text/plain accepted for beacons). Valid events are stored, invalid ones are ' +
            'kept as dead letters and listed in `rejected`; a single invalid event answers 400.',
          body: { type: 'object', additionalProperties: true },
          response: { 200: ingestResponse },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (!isObject(body))
          throw new PlazaError(
            'invalid_body',
            'body must be a JSON object: an event or {"events": [...]}',
            400,
          );
        const batch = 'events' in body;
        if (batch && !Array.isArray(body.events)) {
          throw new PlazaError('invalid_body', '"events" must be an array of events', 400);
        }
        const raws = batch ? (body.events as unknown[]) : [body];
        checkBatchSize(raws.length);
        const ctx = await contextOf(request, body.sent_at);
        const items: IngestItem[] = raws.map((raw) => ({ raw, shape: 'native' }));
        const outcome = await deps.collector.ingest(items, ctx, request.id);
        return answer(reply, request, outcome, !batch);
      },
    );

    for (const type of segmentTypes) {
      scope.post(
        `/v1/${type}`,
        {
          schema: {
            tags: ['collect (Segment-compatible)'],
            summary: `Segment ${type} call`,
            description: 'Segment HTTP Tracking API: write key as Basic username or writeKey in the body.',
            body: { type: 'object', additionalProperties: true },
            response: { 200: ingestResponse },
          },
        },
        async (request, reply) => {
          const body = request.body;
          if (!isObject(body))
            throw new PlazaError('invalid_body', `body must be a JSON object (a Segment ${type} call)`, 400);
          const ctx = await contextOf(request, body.sentAt);
          const outcome = await deps.collector.ingest(
            [{ raw: body, shape: 'segment', segmentType: type }],
            ctx,
            request.id,
          );
          return answer(reply, request, outcome, true);
        },
      );
    }

    const batchHandler = async (request: FastifyRequest, reply: FastifyReply) => {
      const body = request.body;
      if (!isObject(body) || !Array.isArray(body.batch)) {
        throw new PlazaError(
          'invalid_body',
          'body must be a JSON object with a "batch" array (Segment batch call)',
          400,
        );
      }
      checkBatchSize(body.batch.length);
      const ctx = await contextOf(request, body.sentAt);
      const items: IngestItem[] = body.batch.map((raw: unknown) => {
        const merged = isObject(raw) ? mergeBatchContext(body, raw) : raw;
        const t = isObject(raw) ? raw.type : undefined;
        const segmentType = segmentTypes.includes(t as SegmentType) ? (t as SegmentType) : undefined;
        return { raw: merged, shape: 'segment' as const, ...(segmentType ? { segmentType } : {}) };
      });
      const outcome = await deps.collector.ingest(items, ctx, request.id);
      return answer(reply, request, outcome, false);
    };
    const batchSchema = {
      schema: {
        tags: ['collect (Segment-compatible)'],
        summary: 'Segment batch: {"batch": [...], "context"?, "integrations"?, "sentAt"?}',
        body: { type: 'object', additionalProperties: true },
        response: { 200: ingestResponse },
      },
    };
    scope.post('/v1/batch', batchSchema, batchHandler);
    scope.post('/v1/b', batchSchema, batchHandler);
  });
}
