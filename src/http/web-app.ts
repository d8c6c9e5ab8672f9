import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the web app (this file runs as dist/src/http/web-app.js). */
const defaultWebDir = fileURLToPath(new URL('../../web/', import.meta.url));

/** Paths that belong to the API and operations, never to the web app's client-side routes. */
const serverPaths = /^\/(v1|docs|metrics|openapi\.json|healthz|readyz)(\/|$|\?)/;

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plaza: web app not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>Plaza is running, but its web app is not built</h1>
<p>Run <code>npm run build</code> in the Plaza directory (it builds the web app into <code>dist/web</code>) and
reload this page. The API works meanwhile: see <a href="/docs">/docs</a>.</p>
</body></html>`;

/**
 * Serves the web app (dist/web) at `/`: its files as they are, and index.html for any other GET that asks for
 * HTML outside the API (client-side routes such as /seller). Returns the fallback for the server's not-found
 * handler: true when it answered. Without a build, such requests get a page that says how to build it.
 */
export async function registerWebApp(
  app: FastifyInstance,
  dir: string = defaultWebDir,
): Promise<(request: FastifyRequest, reply: FastifyReply) => boolean> {
  const indexPath = join(dir, 'index.html');
  const built = existsSync(indexPath);
  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // One route per built file, so every other path still reaches the not-found handler below.
      wildcard: false,
      index: ['index.html'],
      schemaHide: true,
      // Hashed assets never change; index.html must be fetched again to see a new build.
      cacheControl: false,
      setHeaders: (reply, path) => {
        reply.header(
          'cache-control',
          path.startsWith(join(dir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.status(503).type('text/html; charset=utf-8').send(notBuiltPage),
    );
  }
  return (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    if (serverPaths.test(request.url)) return false;
    if (!(request.headers.accept ?? '').includes('text/html')) return false;
    if (!built) {
      void reply.status(503).type('text/html; charset=utf-8').send(notBuiltPage);
      return true;
    }
    void reply
      .status(200)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(readFileSync(indexPath));
    return true;
  };
}
