import type { FastifyInstance, FastifyReply } from 'fastify';
import { PlazaError } from '../core/errors.js';
import { access, type Principal, principalOf, scopeProject, scopeSeller } from '../http/access.js';
import { csvFilename, queryCsv } from './csv.js';
import type { Filter, Grain } from './plan.js';
import type { Scope, SemanticLayer } from './service.js';

export interface SemanticRouteDeps {
  layer: SemanticLayer;
}

// Admins and analysts read any seller (or all); a seller always reads their own: the access hook forces
// their id into `seller_id` and the layer filters every table on it.
const bodyScoped = access.roles(['admin', 'analyst', 'seller'], {
  seller: { in: 'body', name: 'seller_id' },
  project: { in: 'body', name: 'project' },
});
const queryScoped = access.roles(['admin', 'analyst', 'seller'], {
  seller: { in: 'query', name: 'seller_id' },
  project: { in: 'query', name: 'project' },
});

const security: Record<string, string[]>[] = [{ bearer: [] }, { adminToken: [] }];
const day = { type: 'string', description: 'YYYY-MM-DD (local day of the project)' } as const;
const timeRange = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: { from: day, to: day },
} as const;
const scalar = { anyOf: [{ type: 'string' }, { type: 'number' }] } as const;
const filter = {
  type: 'object',
  required: ['dimension', 'op', 'value'],
  additionalProperties: false,
  properties: {
    dimension: { type: 'string' },
    op: { type: 'string' },
    value: { anyOf: [scalar, { type: 'array', items: scalar }] },
  },
} as const;
const scopeProps = {
  project: { type: 'string', minLength: 1, maxLength: 63, description: 'project id' },
  seller_id: {
    type: 'string',
    minLength: 1,
    maxLength: 256,
    description: 'seller (forced to their own for sellers)',
  },
} as const;

/**
 * Required fields are checked here, not in the schema: validation runs before the access hook, and a request
 * for another seller's data must be refused as that (403) whatever else is wrong with it.
 */
function need<T>(value: T | undefined, name: string): T {
  if (value === undefined)
    throw new PlazaError('invalid_request', `body must have required property '${name}'`, 400);
  return value;
}

function scopeOf(principal: Principal, project: string | undefined, sellerId: string | undefined): Scope {
  const p = scopeProject(principal, project);
  if (!p) throw new PlazaError('invalid_request', 'name the project (`project`)', 400);
  return { project: p, sellerId: scopeSeller(principal, sellerId) };
}

/** What every analytics body carries: whose data, and over which days. */
interface ScopedBody {
  project?: string;
  seller_id?: string;
  time_range?: { from: string; to: string };
}

interface QueryBody extends ScopedBody {
  metrics?: string[];
  dimensions?: string[];
  filters?: Filter[];
  grain?: Grain;
  compare?: 'previous_period' | 'previous_year';
  order?: { field: string; direction?: 'asc' | 'desc' }[];
  limit?: number;
  format?: 'json' | 'csv';
}

interface FunnelBody extends ScopedBody {
  steps?: (string | { event_type: string; filters?: Filter[] })[];
  conversion_window?: { value: number; unit: 'minutes' | 'hours' | 'days' };
  breakdown?: string;
}

interface RetentionBody extends ScopedBody {
  cohort?: 'first_event' | 'first_purchase';
  period?: Grain;
  periods?: number;
}

const unitMs = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/**
 * A POST analytics route: body schema with the scope and time range every one of them takes, the caller's
 * scope resolved and the time range required before `answer` sees the body.
 */
function postAnalytics<B extends ScopedBody>(
  app: FastifyInstance,
  url: string,
  summary: string,
  properties: Record<string, unknown>,
  answer: (
    scope: Scope,
    body: B,
    range: { from: string; to: string },
    reply: FastifyReply,
  ) => Promise<unknown>,
): void {
  app.post<{ Body: B }>(
    url,
    {
      config: { access: bodyScoped },
      schema: {
        tags: ['analytics'],
        summary,
        security,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { ...scopeProps, time_range: timeRange, ...properties },
        },
      },
    },
    async (request, reply) => {
      const b = request.body as B;
      const scope = scopeOf(principalOf(request), b.project, b.seller_id);
      return answer(scope, b, need(b.time_range, 'time_range'), reply);
    },
  );
}

/** The analytics API: metric queries, funnels, retention, per-listing stats (docs/metrics.md). */
export function registerSemanticRoutes(app: FastifyInstance, deps: SemanticRouteDeps): void {
  postAnalytics<QueryBody>(
    app,
    '/v1/query',
    'Metrics by dimensions over a time range, with totals and an optional comparison (`format: csv`: text/csv)',
    {
      metrics: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string' } },
      dimensions: { type: 'array', maxItems: 6, items: { type: 'string' } },
      filters: { type: 'array', maxItems: 20, items: filter },
      grain: { type: 'string', enum: ['day', 'week', 'month'] },
      compare: { type: 'string', enum: ['previous_period', 'previous_year'] },
      order: {
        type: 'array',
        maxItems: 6,
        items: {
          type: 'object',
          required: ['field'],
          additionalProperties: false,
          properties: {
            field: { type: 'string' },
            direction: { type: 'string', enum: ['asc', 'desc'] },
          },
        },
      },
      limit: { type: 'integer', minimum: 1, maximum: 10_000 },
      format: {
        type: 'string',
        enum: ['json', 'csv'],
        description:
          'csv: text/csv attachment, a header of dimension ids then metric ids and one line per row (RFC 4180)',
      },
    },
    async (scope, b, range, reply) => {
      const metrics = need(b.metrics, 'metrics');
      const dimensions = b.dimensions ?? [];
      const result = await deps.layer.query(scope, {
        metrics,
        dimensions,
        filters: b.filters ?? [],
        from: range.from,
        to: range.to,
        grain: b.grain ?? 'day',
        order: (b.order ?? []).map((o) => ({ field: o.field, direction: o.direction ?? 'desc' })),
        limit: b.limit ?? 1000,
        ...(b.compare ? { compare: b.compare } : {}),
      });
      if (b.format !== 'csv') return result;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csvFilename()}"`)
        .send(queryCsv(result.rows, dimensions, metrics));
    },
  );

  postAnalytics<FunnelBody>(
    app,
    '/v1/funnels',
    'Ordered event steps per person within a conversion window',
    {
      steps: {
        type: 'array',
        minItems: 2,
        maxItems: 10,
        items: {
          anyOf: [
            { type: 'string', minLength: 1, maxLength: 100 },
            {
              type: 'object',
              required: ['event_type'],
              additionalProperties: false,
              properties: {
                event_type: { type: 'string', minLength: 1, maxLength: 100 },
                filters: { type: 'array', maxItems: 10, items: filter },
              },
            },
          ],
        },
      },
      conversion_window: {
        type: 'object',
        required: ['value', 'unit'],
        additionalProperties: false,
        properties: {
          value: { type: 'number', exclusiveMinimum: 0 },
          unit: { type: 'string', enum: ['minutes', 'hours', 'days'] },
        },
      },
      breakdown: { type: 'string' },
    },
    async (scope, b, range) => {
      const steps = need(b.steps, 'steps');
      const w = b.conversion_window ?? { value: 7, unit: 'days' as const };
      const windowMs = Math.round(w.value * unitMs[w.unit]);
      if (windowMs > 90 * 86_400_000) {
        throw new PlazaError('invalid_conversion_window', 'conversion_window is at most 90 days', 400);
      }
      return deps.layer.funnel(scope, {
        steps: steps.map((s) =>
          typeof s === 'string'
            ? { event_type: s, filters: [] }
            : { event_type: s.event_type, filters: s.filters ?? [] },
        ),
        windowMs,
        from: range.from,
        to: range.to,
        ...(b.breakdown ? { breakdown: b.breakdown } : {}),
      });
    },
  );

  postAnalytics<RetentionBody>(
    app,
    '/v1/retention',
    'Cohort retention: people by first event or first purchase, active in each later period',
    {
      cohort: { type: 'string', enum: ['first_event', 'first_purchase'] },
      period: { type: 'string', enum: ['day', 'week', 'month'] },
      periods: { type: 'integer', minimum: 1, maximum: 60 },
    },
    (scope, b, range) =>
      deps.layer.retention(scope, {
        cohort: b.cohort ?? 'first_event',
        period: b.period ?? 'week',
        from: range.from,
        to: range.to,
        periods: b.periods ?? 8,
      }),
  );

  app.get<{
    Params: { id: string };
    Querystring: { project?: string; seller_id?: string; from?: string; to?: string };
  }>(
    '/v1/listings/:id/stats',
    {
      config: { access: queryScoped },
      schema: {
        tags: ['analytics'],
        summary: 'A listing: views per day, contacts, conversion, similar listings and tips',
        security,
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...scopeProps, from: day, to: day },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = scopeOf(principalOf(request), q.project, q.seller_id);
      const to = q.to ?? new Date().toISOString().slice(0, 10);
      const end = Date.parse(`${to}T00:00:00Z`);
      // An unreadable `to` is left for validateRange to refuse with its message.
      const from =
        q.from ?? (Number.isNaN(end) ? to : new Date(end - 29 * 86_400_000).toISOString().slice(0, 10));
      return deps.layer.listingStats(scope, request.params.id, from, to);
    },
  );
}
