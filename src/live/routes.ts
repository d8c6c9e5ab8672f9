import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { PlazaError } from '../core/errors.js';
import { access, principalOf, scopeSeller } from '../http/access.js';
import type { Warehouse } from '../ports/warehouse.js';
import { checkProjectId, type Projects } from '../projects/projects.js';
import type { LiveReader, ProjectLive } from './read.js';

export interface LiveRouteDeps {
  projects: Projects;
  reader: LiveReader;
  /** Where listing ownership is read: the current rows of dim_listings. */
  warehouse: Warehouse;
  /** How often the stream checks for changes (default 1000 ms). */
  streamIntervalMs?: number;
  /** A comment line keeps idle connections (and proxies) alive (default 15 000 ms). */
  heartbeatMs?: number;
}

const projectParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 63, description: 'project id' } },
} as const;

const entityParam = (what: string) =>
  ({
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', minLength: 1, maxLength: 256, description: `${what} id` } },
  }) as const;

const projectQuery = {
  type: 'object',
  required: ['project'],
  additionalProperties: false,
  properties: { project: { type: 'string', minLength: 1, maxLength: 63, description: 'project id' } },
} as const;

const security: Record<string, string[]>[] = [{ bearer: [] }, { adminToken: [] }];

// Project-wide counters (all visitors, trending listings of every seller) are for admins and analysts. A
// seller reads their own seller's counters, and the counters of listings the warehouse says are theirs (an
// id alone proves nothing, so a listing not in dim_listings yet is not found for them).
const projectWide = access.roles(['admin', 'analyst'], { project: { in: 'params', name: 'id' } });
const perSeller = access.roles(['admin', 'analyst', 'seller'], {
  seller: { in: 'params', name: 'id' },
  project: { in: 'query', name: 'project' },
});
const perListing = access.roles(['admin', 'analyst', 'seller'], {
  seller: { in: 'query', name: 'seller_id' },
  project: { in: 'query', name: 'project' },
});

const listingQuery = {
  type: 'object',
  required: ['project'],
  additionalProperties: false,
  properties: {
    ...projectQuery.properties,
    seller_id: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      description: 'the seller who must own the listing (forced to their own for sellers)',
    },
  },
} as const;

/** The seller of a listing's current version in dim_listings; null when the warehouse does not know it. */
async function ownerOf(warehouse: Warehouse, project: string, listing: string): Promise<string | null> {
  try {
    const [row] = await warehouse.query<{ seller_id: string | null }>(
      'SELECT seller_id FROM dim_listings WHERE project_id = $1 AND listing_id = $2 AND is_current LIMIT 1',
      [project, listing],
    );
    return row?.seller_id ?? null;
  } catch (e) {
    // Before the first daily build there is no dim_listings: no listing is known to belong to anyone.
    if (e instanceof Error && /Table with name \w+ does not exist/.test(e.message)) return null;
    throw e;
  }
}

/**
 * Live counters API: the admin token, or an access token / service key whose role the route admits (see the
 * policies above; enforced by src/http/access-control.ts). A project's write key is refused (403
 * write_key_not_allowed): it is public by design (it ships in web pages) and only sends events.
 */
export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    // Open event streams would hold the server's close forever: end them first.
    for (const res of streams) res.end();
    streams.clear();
  });

  const project = async (id: string) => {
    checkProjectId(id);
    return deps.projects.get(id);
  };

  app.register(async (scope) => {
    scope.get<{ Params: { id: string } }>(
      '/v1/live/projects/:id',
      {
        config: { access: projectWide },
        schema: {
          tags: ['live'],
          summary:
            'Live counters of a project: visitors in the last 5 minutes, views today, trending listings',
          security,
          params: projectParam,
        },
      },
      async (request) => {
        const p = await project(request.params.id);
        return deps.reader.project(p.id, p.settings.timeZone);
      },
    );

    scope.get<{ Params: { id: string }; Querystring: { project: string } }>(
      '/v1/live/sellers/:id',
      {
        config: { access: perSeller },
        schema: {
          tags: ['live'],
          summary: 'Live counters of a seller (dealer or store): visitors in the last 5 minutes, views today',
          security,
          params: entityParam('seller'),
          querystring: projectQuery,
        },
      },
      async (request) => {
        const p = await project(request.query.project);
        const sellerId = scopeSeller(principalOf(request), request.params.id) ?? request.params.id;
        return deps.reader.seller(p.id, sellerId, p.settings.timeZone);
      },
    );

    scope.get<{ Params: { id: string }; Querystring: { project: string; seller_id?: string } }>(
      '/v1/live/listings/:id',
      {
        config: { access: perListing },
        schema: {
          tags: ['live'],
          summary:
            'Live counters of a listing or product: views today and its stats since activity resumed (30 min TTL)',
          security,
          description:
            'Sellers (and callers naming `seller_id`) get only listings whose current version in the ' +
            'warehouse (dim_listings) belongs to that seller; any other listing answers 404 listing_not_found.',
          params: entityParam('listing or product'),
          querystring: listingQuery,
        },
      },
      async (request) => {
        const p = await project(request.query.project);
        const sellerId = scopeSeller(principalOf(request), request.query.seller_id);
        if (sellerId !== undefined && (await ownerOf(deps.warehouse, p.id, request.params.id)) !== sellerId) {
          // Another seller's listing answers like a missing one: its existence is not theirs to know.
          throw new PlazaError(
            'listing_not_found',
            `no listing "${request.params.id}" of seller "${sellerId}" in project "${p.id}" (listings are known once the daily pipeline has built them)`,
            404,
          );
        }
        return deps.reader.listing(p.id, request.params.id, p.settings.timeZone);
      },
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/live/projects/:id/stream',
      {
        config: { access: projectWide },
        schema: {
          tags: ['live'],
          summary:
            "Server-Sent Events: the project's live counters (event `live`, the same JSON as " +
            '/v1/live/projects/{id}) at once, then whenever they change (checked every second)',
          security,
          params: projectParam,
        },
      },
      async (request, reply) => {
        const p = await project(request.params.id);
        const first = await deps.reader.project(p.id, p.settings.timeZone);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-request-id': request.id,
        });
        streams.add(res);
        let seq = 0;
        let last = '';
        let lastWrite = Date.now();
        let busy = false;
        const send = (snapshot: ProjectLive) => {
          const { at: _at, ...counters } = snapshot;
          const body = JSON.stringify(counters);
          if (body === last) return;
          last = body;
          lastWrite = Date.now();
          res.write(`event: live\nid: ${++seq}\ndata: ${JSON.stringify(snapshot)}\n\n`);
        };
        res.write('retry: 2000\n\n');
        send(first);
        const timer = setInterval(async () => {
          if (busy) return;
          busy = true;
          try {
            send(await deps.reader.project(p.id, p.settings.timeZone));
            if (Date.now() - lastWrite >= (deps.heartbeatMs ?? 15_000)) {
              lastWrite = Date.now();
              res.write(': keep-alive\n\n');
            }
          } catch (e) {
            request.log.warn({ err: e }, 'live stream: reading the counters failed');
          } finally {
            busy = false;
          }
        }, deps.streamIntervalMs ?? 1000);
        const stop = () => {
          clearInterval(timer);
          streams.delete(res);
        };
        res.on('close', stop);
        request.raw.on('close', stop);
      },
    );
  });
}
