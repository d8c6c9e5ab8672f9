import type { FastifyInstance } from 'fastify';
import { access, principalOf } from '../http/access.js';
import { principalId } from './principal.js';
import { type NewServiceKey, type ServiceKeys, serviceKeyRoles } from './service-keys.js';

export interface ServiceKeyRouteDeps {
  serviceKeys: ServiceKeys;
}

const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    seller_id: { type: ['string', 'null'] },
    project_id: { type: ['string', 'null'] },
    key_prefix: { type: 'string' },
    created_by: { type: 'string' },
    created_at: { type: 'string' },
    last_used_at: { type: ['string', 'null'] },
    revoked_at: { type: ['string', 'null'] },
  },
} as const;

/** Service keys (admins): API keys for machines, with role analyst or seller; the secret is shown once. */
export function registerServiceKeyRoutes(app: FastifyInstance, deps: ServiceKeyRouteDeps): void {
  app.register(async (scope) => {
    scope.post<{ Body: NewServiceKey }>(
      '/v1/admin/service-keys',
      {
        config: { access: access.admin },
        schema: {
          tags: ['service keys'],
          summary: 'Create a service key; its secret is in this answer only (as "secret")',
          description:
            'Send it as Authorization: Bearer <secret>. Role analyst reads every seller; role seller reads only ' +
            'seller_id. Revoke it with DELETE /v1/admin/service-keys/{id}.',
          body: {
            type: 'object',
            required: ['name', 'role'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', maxLength: 1000, description: 'what uses it, e.g. "metabase"' },
              role: { type: 'string', description: serviceKeyRoles.join(', ') },
              seller_id: {
                type: ['string', 'null'],
                maxLength: 1000,
                description: 'required for role seller',
              },
              project_id: { type: ['string', 'null'], description: 'limit the key to this project' },
            },
          },
          response: {
            201: { ...keySchema, properties: { ...keySchema.properties, secret: { type: 'string' } } },
          },
        },
      },
      async (request, reply) => {
        const { key, secret } = await deps.serviceKeys.create(
          request.body,
          principalId(principalOf(request)),
        );
        return reply.status(201).send({ ...key, secret });
      },
    );

    scope.get<{ Querystring: { include_revoked?: boolean } }>(
      '/v1/admin/service-keys',
      {
        config: { access: access.admin },
        schema: {
          tags: ['service keys'],
          summary: 'List service keys (never their secrets); revoked ones only with include_revoked=true',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { include_revoked: { type: 'boolean', default: false } },
          },
          response: {
            200: { type: 'object', properties: { service_keys: { type: 'array', items: keySchema } } },
          },
        },
      },
      async (request) => ({
        service_keys: await deps.serviceKeys.list({ includeRevoked: request.query.include_revoked }),
      }),
    );

    scope.delete<{ Params: { id: string } }>(
      '/v1/admin/service-keys/:id',
      {
        config: { access: access.admin },
        schema: {
          tags: ['service keys'],
          summary: 'Revoke a service key: its next request is refused',
          params: {
            type: 'object',
            required: ['id'],
            properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
          },
          response: { 200: keySchema },
        },
      },
      async (request) => deps.serviceKeys.revoke(request.params.id),
    );
  });
}
