import type { FastifyInstance } from 'fastify';
import { minPasswordLength } from './passwords.js';
import { type NewUser, roles, type Users } from './users.js';

export interface UserRouteDeps {
  users: Users;
}

const roleList = roles.join(', ');

// Roles, emails and passwords are checked by the store, not by enum/format keywords here, so that every
// caller (API, CLI, demo) gets the same precise message naming what is valid.
/** A user as the API answers it (also in the sign-in answers of auth-routes.ts). */
export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', description: roleList },
    seller_id: { type: ['string', 'null'] },
    project_id: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    disabled_at: { type: ['string', 'null'] },
    last_login_at: { type: ['string', 'null'] },
  },
} as const;

const userParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 300, description: 'user id or email' } },
} as const;

/** Users (Bearer admin token): create, list, show, disable and enable. Password hashes never leave the store. */
export function registerUserRoutes(app: FastifyInstance, deps: UserRouteDeps): void {
  app.register(async (scope) => {
    scope.post<{ Body: NewUser }>(
      '/v1/admin/users',
      {
        schema: {
          tags: ['users'],
          summary: 'Create a user; a generated password is in this answer only (as "password")',
          body: {
            type: 'object',
            required: ['email', 'role'],
            additionalProperties: false,
            properties: {
              email: { type: 'string', maxLength: 1000 },
              name: { type: ['string', 'null'], maxLength: 1000 },
              role: { type: 'string', description: roleList },
              seller_id: {
                type: ['string', 'null'],
                maxLength: 1000,
                description:
                  'required for role seller, refused for the others: the seller whose data they see',
              },
              project_id: {
                type: ['string', 'null'],
                description: 'limit the user to this project (marketplace); omitted: every project',
              },
              password: {
                type: ['string', 'null'],
                maxLength: 10_000,
                description: `at least ${minPasswordLength} characters; omitted: a strong one is generated and returned once`,
              },
            },
          },
          response: {
            201: {
              ...userSchema,
              properties: {
                ...userSchema.properties,
                password: { type: 'string', description: 'only when it was generated' },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const { user, password } = await deps.users.create(request.body);
        return reply.status(201).send(password === undefined ? user : { ...user, password });
      },
    );

    scope.get<{
      Querystring: {
        role?: string;
        seller_id?: string;
        project_id?: string;
        include_disabled?: boolean;
        after?: string;
        limit?: number;
      };
    }>(
      '/v1/admin/users',
      {
        schema: {
          tags: ['users'],
          summary: 'List users by email; disabled ones only with include_disabled=true',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              role: { type: 'string', description: roleList },
              seller_id: { type: 'string' },
              project_id: { type: 'string' },
              include_disabled: { type: 'boolean', default: false },
              after: { type: 'string', description: 'cursor: the next_cursor of the previous page' },
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                users: { type: 'array', items: userSchema },
                next_cursor: { type: ['string', 'null'] },
              },
            },
          },
        },
      },
      async (request) => {
        const q = request.query;
        const limit = q.limit ?? 100;
        const users = await deps.users.list({
          role: q.role,
          sellerId: q.seller_id,
          projectId: q.project_id,
          includeDisabled: q.include_disabled,
          after: q.after,
          limit,
        });
        const last = users[users.length - 1];
        return { users, next_cursor: last && users.length === limit ? last.email.toLowerCase() : null };
      },
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/admin/users/:id',
      {
        schema: {
          tags: ['users'],
          summary: 'One user, by id or email',
          params: userParam,
          response: { 200: userSchema },
        },
      },
      async (request) => deps.users.get(request.params.id),
    );

    for (const [action, disabled] of [
      ['disable', true],
      ['enable', false],
    ] as const) {
      scope.post<{ Params: { id: string } }>(
        `/v1/admin/users/:id/${action}`,
        {
          schema: {
            tags: ['users'],
            summary: disabled
              ? 'Disable a user (by id or email): they can no longer sign in'
              : 'Enable a disabled user again',
            params: userParam,
            response: { 200: userSchema },
          },
        },
        async (request) => deps.users.setDisabled(request.params.id, disabled),
      );
    }
  });
}
