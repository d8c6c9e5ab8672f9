import type { FastifyInstance } from 'fastify';
import type { Collector } from '../../collector/collector.js';
import { PlazaError } from '../../core/errors.js';
import { replayDeadLetters } from '../../deadletters/replay.js';
import type { DeadLetterStore } from '../../deadletters/store.js';
import type { DeadLetterStatus } from '../../deadletters/types.js';
import type { Projects } from '../../projects/projects.js';
import type { WriteKeys } from '../../projects/write-keys.js';
import type { SchemaRegistry } from '../../schemas/registry.js';

export interface AdminRouteDeps {
  projects: Projects;
  keys: WriteKeys;
  registry: SchemaRegistry;
  deadLetters: DeadLetterStore;
  collector: Collector;
}

const idParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/** Administration API (Bearer admin token): projects, write keys, schemas, dead letters. */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  app.register(async (scope) => {
    scope.post<{ Body: { id: string; name?: string; settings?: Record<string, unknown> } }>(
      '/v1/admin/projects',
      {
        schema: {
          tags: ['admin'],
          summary: 'Create a project (one marketplace)',
          body: {
            type: 'object',
            required: ['id'],
            additionalProperties: false,
            properties: {
              id: { type: 'string', description: 'lowercase letters, digits, - and _' },
              name: { type: 'string', minLength: 1, maxLength: 200 },
              settings: {
                type: 'object',
                description: 'ipMode, unknownEventPolicy, maxFutureMs, maxPastMs, timeZone',
              },
            },
          },
        },
      },
      async (request, reply) => {
        const { id, name, settings } = request.body;
        return reply.status(201).send(await deps.projects.create(id, name, settings ?? {}));
      },
    );

    scope.get('/v1/admin/projects', { schema: { tags: ['admin'], summary: 'List projects' } }, async () => ({
      projects: await deps.projects.list(),
    }));

    scope.get<{ Params: { id: string } }>(
      '/v1/admin/projects/:id',
      { schema: { tags: ['admin'], summary: 'One project with its settings', params: idParam } },
      async (request) => deps.projects.get(request.params.id),
    );

    scope.patch<{ Params: { id: string }; Body: Record<string, unknown> }>(
      '/v1/admin/projects/:id/settings',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Change collection settings (ipMode, unknownEventPolicy, maxFutureMs, maxPastMs, timeZone)',
          params: idParam,
          body: { type: 'object' },
        },
      },
      async (request) => deps.projects.updateSettings(request.params.id, request.body),
    );

    scope.post<{ Params: { id: string }; Body: { name: string } }>(
      '/v1/admin/projects/:id/keys',
      {
        schema: {
          tags: ['admin'],
          summary: 'Create a write key for a source; the secret is shown only in this answer',
          params: idParam,
          body: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
          },
        },
      },
      async (request, reply) => {
        await deps.projects.get(request.params.id);
        const { key, secret } = await deps.keys.create(request.params.id, request.body.name);
        return reply.status(201).send({ ...key, secret });
      },
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/admin/projects/:id/keys',
      { schema: { tags: ['admin'], summary: "List a project's write keys (no secrets)", params: idParam } },
      async (request) => {
        await deps.projects.get(request.params.id);
        return { keys: await deps.keys.list(request.params.id) };
      },
    );

    scope.delete<{ Params: { id: string } }>(
      '/v1/admin/keys/:id',
      { schema: { tags: ['admin'], summary: 'Revoke a write key', params: idParam } },
      async (request) => deps.keys.revoke(request.params.id),
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/admin/projects/:id/schemas',
      { schema: { tags: ['schemas'], summary: 'Event schemas in force for a project', params: idParam } },
      async (request) => {
        await deps.projects.get(request.params.id);
        return { schemas: deps.registry.list(request.params.id) };
      },
    );

    scope.get<{ Params: { id: string; type: string }; Querystring: { version?: number } }>(
      '/v1/admin/projects/:id/schemas/:type',
      {
        schema: {
          tags: ['schemas'],
          summary: 'One event schema (latest version unless ?version=)',
          params: {
            type: 'object',
            required: ['id', 'type'],
            properties: { id: { type: 'string' }, type: { type: 'string' } },
          },
          querystring: { type: 'object', properties: { version: { type: 'integer', minimum: 1 } } },
        },
      },
      async (request) => {
        const s = deps.registry.get(request.params.id, request.params.type, request.query.version);
        if (!s) {
          throw new PlazaError(
            'schema_not_found',
            `no schema for event type "${request.params.type}"${request.query.version ? ` version ${request.query.version}` : ''}`,
            404,
          );
        }
        return s;
      },
    );

    scope.post<{
      Params: { id: string };
      Body: { event_type: string; schema: Record<string, unknown>; description?: string };
    }>(
      '/v1/admin/projects/:id/schemas',
      {
        schema: {
          tags: ['schemas'],
          summary: 'Register a new event type or a new version of one (JSON Schema of its properties)',
          params: idParam,
          body: {
            type: 'object',
            required: ['event_type', 'schema'],
            additionalProperties: false,
            properties: {
              event_type: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' },
              schema: { type: 'object' },
              description: { type: 'string', maxLength: 2000 },
            },
          },
        },
      },
      async (request, reply) => {
        await deps.projects.get(request.params.id);
        const { event_type, schema, description } = request.body;
        return reply
          .status(201)
          .send(await deps.registry.register(request.params.id, event_type, schema, description));
      },
    );

    scope.get<{
      Querystring: {
        project?: string;
        status?: DeadLetterStatus;
        kind?: string;
        limit?: number;
        before?: string;
      };
    }>(
      '/v1/admin/deadletters',
      {
        schema: {
          tags: ['dead letters'],
          summary: 'List dead letters, newest first',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              project: { type: 'string' },
              status: { type: 'string', enum: ['new', 'replayed', 'replay_failed'] },
              kind: { type: 'string', description: 'an error kind such as schema_violation' },
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
              before: { type: 'string', description: 'cursor: the next_cursor of the previous page' },
            },
          },
        },
      },
      async (request) => {
        const q = request.query;
        let before: { receivedAt: string; id: string } | undefined;
        if (q.before) {
          const [receivedAt, id] = Buffer.from(q.before, 'base64url').toString('utf8').split('|');
          if (!receivedAt || !id)
            throw new PlazaError('invalid_cursor', 'before must be a next_cursor from a previous page', 400);
          before = { receivedAt, id };
        }
        const items = await deps.deadLetters.list({
          ...(q.project ? { projectId: q.project } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.kind ? { kind: q.kind } : {}),
          ...(before ? { before } : {}),
          limit: q.limit ?? 50,
        });
        const last = items[items.length - 1];
        const next_cursor =
          last && items.length === (q.limit ?? 50)
            ? Buffer.from(`${last.received_at}|${last.id}`).toString('base64url')
            : null;
        return { dead_letters: items, next_cursor };
      },
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/admin/deadletters/:id',
      {
        schema: {
          tags: ['dead letters'],
          summary: 'One dead letter with its payload and errors',
          params: idParam,
        },
      },
      async (request) => {
        const d = await deps.deadLetters.get(request.params.id);
        if (!d) throw new PlazaError('dead_letter_not_found', `no dead letter "${request.params.id}"`, 404);
        return d;
      },
    );

    scope.post<{ Body: { ids?: string[]; project?: string; kind?: string; limit?: number } }>(
      '/v1/admin/deadletters/replay',
      {
        schema: {
          tags: ['dead letters'],
          summary: 'Re-run dead letters through validation (after a schema fix); accepted ones are stored',
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              ids: { type: 'array', items: { type: 'string' }, maxItems: 1000 },
              project: { type: 'string', description: "replay this project's new dead letters" },
              kind: { type: 'string' },
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 1000 },
            },
          },
        },
      },
      async (request) => {
        const b = request.body ?? {};
        let ids = b.ids ?? [];
        if (ids.length === 0) {
          if (!b.project)
            throw new PlazaError(
              'invalid_request',
              'name dead letters by "ids", or a "project" to replay',
              400,
            );
          const list = await deps.deadLetters.list({
            projectId: b.project,
            status: 'new',
            ...(b.kind ? { kind: b.kind } : {}),
            limit: b.limit ?? 1000,
          });
          ids = list.map((d) => d.id);
        }
        const results = await replayDeadLetters(ids, {
          store: deps.deadLetters,
          collector: deps.collector,
          settingsOf: async (p) => (await deps.projects.get(p)).settings,
        });
        const count = (s: string) => results.filter((r) => r.status === s).length;
        return {
          replayed: count('replayed'),
          duplicate: count('duplicate'),
          still_invalid: count('still_invalid'),
          skipped: count('skipped'),
          results,
        };
      },
    );
  });
}
