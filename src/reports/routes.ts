import type { FastifyInstance } from 'fastify';
import { PlazaError } from '../core/errors.js';
import { access, principalOf, scopeProject, scopeSeller } from '../http/access.js';
import type { Warehouse } from '../ports/warehouse.js';
import { checkProjectId, type Projects } from '../projects/projects.js';
import { listReports, type ReportKind, reportKinds } from './store.js';

export interface ReportRouteDeps {
  warehouse: Warehouse;
  projects: Projects;
}

// Like every per-seller read: a seller gets their own reports (another seller's id → 403); admins and
// analysts name a seller or read every report of the project, the marketplace-wide alerts included.
const perSeller = access.roles(['admin', 'analyst', 'seller'], {
  seller: { in: 'query', name: 'seller_id' },
  project: { in: 'query', name: 'project' },
});

interface ReportsQuery {
  project?: string;
  seller_id?: string;
  kind?: ReportKind;
  limit?: number;
}

const comparison = {
  type: 'object',
  properties: {
    day: { type: 'number' },
    previous_day: { type: 'number' },
    average_7d: { type: 'number' },
    vs_previous_day: { type: ['number', 'null'] },
    vs_average_7d: { type: ['number', 'null'] },
  },
} as const;

/** `GET /v1/reports`: the daily seller summaries and anomaly alerts the daily pipeline kept. */
export function registerReportRoutes(app: FastifyInstance, deps: ReportRouteDeps): void {
  app.get<{ Querystring: ReportsQuery }>(
    '/v1/reports',
    {
      config: { access: perSeller },
      schema: {
        tags: ['analytics'],
        summary:
          'Daily seller summaries (the day vs the previous day and the 7-day average) and anomaly alerts, newest first',
        description:
          'Written by the daily pipeline (tasks seller_daily_summary and daily_anomalies) whether or not the ' +
          'seller has an e-mail recipient. A summary payload has `figures` (views, unique_visitors, leads, ' +
          'favourites, orders) and `revenue` (per currency), each a comparison; an alert payload has ' +
          '`anomalies` (metric, value, trailing mean and deviation, z, spike or drop).',
        security: [{ bearer: [] }, { adminToken: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            project: { type: 'string', minLength: 1, maxLength: 63, description: 'project id' },
            seller_id: {
              type: 'string',
              minLength: 1,
              maxLength: 256,
              description: 'seller (forced to their own for sellers); omitted: every report of the project',
            },
            kind: { type: 'string', enum: [...reportKinds] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 30 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              reports: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    project_id: { type: 'string' },
                    entity_type: { type: 'string', enum: ['seller', 'project'] },
                    entity_id: { type: 'string' },
                    day: { type: 'string', format: 'date' },
                    kind: { type: 'string', enum: [...reportKinds] },
                    created_at: { type: 'string', format: 'date-time' },
                    payload: {
                      type: 'object',
                      additionalProperties: true,
                      properties: {
                        figures: { type: 'object', additionalProperties: comparison },
                        revenue: { type: 'object', additionalProperties: comparison },
                        anomalies: { type: 'array', items: { type: 'object', additionalProperties: true } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const principal = principalOf(request);
      const project = scopeProject(principal, q.project);
      if (!project) throw new PlazaError('invalid_request', 'name the project (`project`)', 400);
      checkProjectId(project);
      await deps.projects.get(project);
      const reports = await listReports(deps.warehouse, {
        project,
        sellerId: scopeSeller(principal, q.seller_id),
        kind: q.kind,
        limit: q.limit ?? 30,
      });
      return { reports };
    },
  );
}
