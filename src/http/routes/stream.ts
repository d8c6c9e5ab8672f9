import type { FastifyInstance } from 'fastify';
import { PlazaError } from '../../core/errors.js';
import type { ProcessorSet, ReplayFrom } from '../../stream/processors.js';

export interface StreamRouteDeps {
  /** Undefined when this process runs no worker role. */
  processors: ProcessorSet | undefined;
}

interface ReplayBody {
  group: string;
  from: string | number;
}

/**
 * `from` is an offset (a non-negative integer, the same in every partition) or a time (ISO-8601): the
 * replay starts, in each partition, at the first record appended at or after it.
 */
export function parseReplayFrom(from: string | number): ReplayFrom {
  if (typeof from === 'number' || /^\d+$/.test(from)) {
    const offset = Number(from);
    if (Number.isSafeInteger(offset) && offset >= 0) return { offset };
  } else {
    const time = Date.parse(from);
    if (!Number.isNaN(time) && /\d{4}-\d{2}-\d{2}/.test(from)) return { time };
  }
  throw new PlazaError(
    'invalid_replay_from',
    `from must be an offset (0, 1200…) or an ISO-8601 time (2026-11-23T10:00:00Z), got ${JSON.stringify(from)}`,
    400,
  );
}

/** Stream processors (admin token): list the groups and replay one from an offset or a time. */
export function registerStreamRoutes(app: FastifyInstance, deps: StreamRouteDeps): void {
  app.register(async (scope) => {
    scope.get(
      '/v1/admin/stream/groups',
      { schema: { tags: ['stream'], summary: 'Consumer groups of the stream processors running here' } },
      async () => ({ groups: deps.processors?.groups ?? [] }),
    );

    scope.post<{ Body: ReplayBody }>(
      '/v1/admin/stream/replay',
      {
        schema: {
          tags: ['stream'],
          summary: "Recompute a processor's effects from an offset or a time",
          description:
            'Stops the group, removes or marks for replacement what it derived from the given positions on, moves ' +
            'it back and starts it again. Effects are idempotent, so the result equals an uninterrupted run.',
          body: {
            type: 'object',
            required: ['group', 'from'],
            additionalProperties: false,
            properties: {
              group: { type: 'string', minLength: 1, maxLength: 200 },
              from: {
                description: 'an offset (same in every partition) or an ISO-8601 time',
                anyOf: [
                  { type: 'integer', minimum: 0 },
                  { type: 'string', minLength: 1, maxLength: 40 },
                ],
              },
            },
          },
        },
      },
      async (request) => {
        const from = parseReplayFrom(request.body.from);
        if (!deps.processors)
          throw new PlazaError(
            'no_worker',
            'this process runs no stream processors (worker role); send the replay to a worker',
            409,
          );
        const positions = await deps.processors.replay(request.body.group, from);
        return { group: request.body.group, from, positions };
      },
    );
  });
}
