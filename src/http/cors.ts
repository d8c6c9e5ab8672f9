import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { collectPaths } from './routes/ingest.js';

export interface CorsConfig {
  /** Origins (`https://app.example.com`) allowed to call the app API from a browser; `*` for any. */
  corsOrigins: readonly string[];
  /** Send Access-Control-Allow-Credentials on the app API (cookies, HTTP auth) to the listed origins. */
  corsCredentials: boolean;
}

// Sites send events from their own origins, and a write key is public by design (it sits in the page), so
// any origin may send. Retry-After is exposed so the browser tracker can honour it.
const collection = {
  origin: '*',
  methods: ['POST'],
  allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'X-Request-Id'],
  exposedHeaders: ['Retry-After', 'X-Request-Id'],
  maxAge: 86_400,
} satisfies FastifyCorsOptions;

/**
 * CORS for the whole server, decided per request: the collection endpoints are open to every origin; the
 * app API (dashboards, admin, auth) answers only the configured origins, and none by default, which leaves it
 * to same-origin pages (the web app served by this process). A refused origin gets no CORS headers and its
 * preflight a 404, so the browser blocks the call. Registered before the access-control hook, so that a 401
 * still carries the headers a permitted page needs to read it.
 */
export async function registerCors(app: FastifyInstance, config: CorsConfig): Promise<void> {
  const anyOrigin = config.corsOrigins.includes('*');
  const allowed = new Set(config.corsOrigins);
  const appApi = (origin: string) =>
    ({
      // The request's own origin rather than `*`: required with credentials, and it keeps caches honest (Vary).
      origin,
      credentials: config.corsCredentials,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['Retry-After', 'X-Request-Id'],
      maxAge: 600,
    }) satisfies FastifyCorsOptions;
  await app.register(cors, {
    delegator: (req, cb) => {
      if (collectPaths.has((req.url ?? '').split('?')[0]!)) return cb(null, collection);
      const origin = req.headers.origin;
      if (origin && (anyOrigin || allowed.has(origin))) return cb(null, appApi(origin));
      cb(null, { origin: false });
    },
  });
}
