import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { registerJsonParsers } from './body.js';
import { sendError } from './errors.js';
import { registerWebApp } from './web-app.js';

export interface HttpOptions {
  logger: Logger;
  metrics: Metrics;
  maxBodyBytes: number;
  trustProxyHops: number;
  version: string;
  /** The built web app served at `/` (default dist/web). */
  webDir?: string;
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

/** The HTTP server shell: logging with request ids, body parsing, errors, metrics, OpenAPI. Routes come from the composition root. */
export async function createHttpServer(o: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: o.logger,
    // Request lines are written by our onResponse hook (one line, with the route's metrics labels).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: o.trustProxyHops > 0 ? (_address: string, hop: number) => hop < o.trustProxyHops : false,
    bodyLimit: o.maxBodyBytes,
    // A caller's id is kept so one request can be followed across services; otherwise one is made.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  }) as unknown as FastifyInstance;

  registerJsonParsers(app, o.maxBodyBytes);
  app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
  // The web app at `/`; its client-side routes (GET, HTML, outside the API) fall back to its index.html.
  const webApp = await registerWebApp(app, o.webDir);
  app.setNotFoundHandler((request, reply) =>
    webApp(request, reply)
      ? reply
      : reply.status(404).send({
          error: {
            code: 'not_found',
            message: `no route ${request.method} ${request.url.split('?')[0]}; see /docs`,
          },
          request_id: request.id,
        }),
  );

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    o.metrics.requests.inc({ method: request.method, route, status: String(status) });
    o.metrics.requestSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (status >= 400) o.metrics.errors.inc({ route, status: String(status) });
    const level = status >= 500 ? 'error' : route.startsWith('/v1/') && status < 400 ? 'debug' : 'info';
    request.log[level](
      {
        req: { method: request.method, url: request.url, ip: request.ip },
        status,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Plaza API',
        version: o.version,
        description:
          'Event collection (native and Segment-compatible), administration and operations API of Plaza, ' +
          'the event analytics and ML platform for marketplaces.',
      },
      components: {
        securitySchemes: {
          writeKey: { type: 'http', scheme: 'basic', description: 'write key as username, empty password' },
          adminToken: { type: 'http', scheme: 'bearer' },
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'access token (JWT, from POST /v1/auth/login) or service key',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
