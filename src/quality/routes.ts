import type { FastifyInstance } from 'fastify';
import { PlazaError } from '../core/errors.js';
import type { Quarantine, QuarantineStatus } from './quarantine.js';
import type { QualityResults } from './results.js';

export interface QualityRouteDeps {
  results: QualityResults;
  quarantine: Quarantine;
}

const resultSchema = {
  type: 'object',
  properties: {
    run_id: { type: 'string' },
    pipeline: { type: 'string' },
    task: { type: 'string' },
    check_id: { type: 'string' },
    table: { type: 'string' },
    partition: { type: ['string', 'null'] },
    kind: { type: 'string' },
    severity: { type: 'string' },
    passed: { type: 'boolean' },
    checked: { type: 'integer' },
    failed: { type: 'integer' },
    quarantined: { type: 'integer' },
    message: { type: 'string' },
    at: { type: 'string' },
  },
} as const;

const quarantinedSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    table: { type: 'string' },
    check_id: { type: 'string' },
    pipeline: { type: 'string' },
    task: { type: 'string' },
    run_id: { type: 'string' },
    partition: { type: ['string', 'null'] },
    reason: { type: 'string' },
    row: { type: 'object', additionalProperties: true },
    status: { type: 'string' },
    quarantined_at: { type: 'string' },
    released_at: { type: ['string', 'null'] },
  },
} as const;

/** Data quality (Bearer admin token): check results, quarantined rows, releasing them. */
export function registerQualityRoutes(app: FastifyInstance, deps: QualityRouteDeps): void {
  app.register(async (scope) => {
    scope.get<{
      Querystring: {
        table?: string;
        status?: 'passed' | 'failed';
        since?: string;
        run_id?: string;
        all?: boolean;
        limit?: number;
      };
    }>(
      '/v1/quality',
      {
        schema: {
          tags: ['quality'],
          summary:
            'Check results, newest first: by default the latest result of each check and partition (all=true: every run)',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              table: { type: 'string' },
              status: { type: 'string', enum: ['passed', 'failed'] },
              since: { type: 'string', description: 'ISO-8601 time: results recorded at or after it' },
              run_id: { type: 'string' },
              all: { type: 'boolean', default: false },
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
          },
          response: {
            200: { type: 'object', properties: { results: { type: 'array', items: resultSchema } } },
          },
        },
      },
      async (request) => {
        const q = request.query;
        let since: Date | undefined;
        if (q.since !== undefined) {
          since = new Date(q.since);
          if (Number.isNaN(since.getTime())) {
            throw new PlazaError('invalid_since', `since "${q.since}" is not an ISO-8601 time`, 400);
          }
        }
        const results = await deps.results.list({
          table: q.table,
          status: q.status,
          since,
          runId: q.run_id,
          latest: !q.all,
          limit: q.limit,
        });
        return { results };
      },
    );

    scope.get<{
      Querystring: { table?: string; check?: string; status?: QuarantineStatus | 'all'; limit?: number };
    }>(
      '/v1/quality/quarantine',
      {
        schema: {
          tags: ['quality'],
          summary: 'Quarantined rows, newest first (held ones unless status says otherwise)',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              table: { type: 'string' },
              check: { type: 'string', description: 'check id' },
              status: { type: 'string', enum: ['held', 'released', 'superseded', 'all'], default: 'held' },
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
          },
          response: {
            200: { type: 'object', properties: { rows: { type: 'array', items: quarantinedSchema } } },
          },
        },
      },
      async (request) => {
        const q = request.query;
        const rows = await deps.quarantine.list({
          table: q.table,
          checkId: q.check,
          status: q.status,
          limit: q.limit,
        });
        return { rows };
      },
    );

    scope.post<{ Body: { ids?: string[]; table?: string; check?: string } }>(
      '/v1/quality/quarantine/release',
      {
        schema: {
          tags: ['quality'],
          summary: 'Put held rows back into their tables: by id, or every held row of a table and check',
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              ids: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 10_000 },
              table: { type: 'string', minLength: 1 },
              check: { type: 'string', minLength: 1, description: 'check id' },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                released: { type: 'integer' },
                tables: { type: 'object', additionalProperties: { type: 'integer' } },
              },
            },
          },
        },
      },
      async (request) => {
        const b = request.body;
        if (b.ids && (b.table !== undefined || b.check !== undefined)) {
          throw new PlazaError('invalid_release', 'give either ids, or table and check, not both', 400);
        }
        if (b.ids) return deps.quarantine.release({ ids: b.ids });
        if (b.table === undefined || b.check === undefined) {
          throw new PlazaError('invalid_release', 'give ids, or both table and check', 400);
        }
        return deps.quarantine.release({ table: b.table, checkId: b.check });
      },
    );
  });
}
