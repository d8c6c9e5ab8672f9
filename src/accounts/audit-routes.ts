import type { FastifyInstance } from 'fastify';
import { access } from '../http/access.js';
import { type AuditFilter, type AuditLog, auditActions } from './audit.js';

export interface AuditRouteDeps {
  audit: AuditLog;
}

/** The audit log (admins): sign-ins, sign-outs, refresh-token reuse and admin actions, newest first. */
export function registerAuditRoutes(app: FastifyInstance, deps: AuditRouteDeps): void {
  app.get<{ Querystring: AuditFilter }>(
    '/v1/admin/audit',
    {
      config: { access: access.admin },
      schema: {
        tags: ['audit'],
        summary: 'Audit log entries, newest first, with filters',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            user: {
              type: 'string',
              maxLength: 300,
              description: 'user id, service key id, admin-token, or email',
            },
            action: { type: 'string', description: auditActions.join(', ') },
            outcome: { type: 'string', description: 'success or failure' },
            since: {
              type: 'string',
              maxLength: 40,
              description: 'ISO-8601 time, or 30m, 24h, 7d back from now',
            },
            until: {
              type: 'string',
              maxLength: 40,
              description: 'ISO-8601 time, or a duration back from now',
            },
            before: {
              type: 'string',
              maxLength: 20,
              description: 'cursor: next_cursor of the previous page',
            },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const entries = await deps.audit.list({ ...request.query, limit });
      const last = entries[entries.length - 1];
      return { entries, next_cursor: last && entries.length === limit ? last.id : null };
    },
  );
}
