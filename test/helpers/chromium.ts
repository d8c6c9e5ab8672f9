import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Repository root (this file runs as dist/test/helpers/chromium.js). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const CHROMIUM_PATH = process.env['PLAZA_CHROMIUM'] ?? '/usr/bin/chromium';
export const BUNDLE_PATH = join(repoRoot, 'dist/sdk/plaza.min.js');
export const ARTIFACTS_DIR = join(repoRoot, 'test-artifacts');

/**
 * Debian's Chromium, headless, with a fresh profile. A missing browser fails loudly: a browser suite that
 * skipped would pass without testing anything.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with scripts/install-system-deps.sh (Debian package ` +
        '"chromium") or point PLAZA_CHROMIUM at a Chromium binary',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/**
 * Builds the browser bundle when it is missing or older than its sources, so `tsc` + `node --test` alone
 * never tests a stale bundle. Returns its sizes.
 */
export async function ensureBundle(): Promise<{ bytes: number; gzipBytes: number }> {
  const stale =
    !existsSync(BUNDLE_PATH) ||
    statSync(BUNDLE_PATH).mtimeMs < newestMtime(join(repoRoot, 'sdk/browser/src'));
  const { buildSdk } = (await import(pathToFileURL(join(repoRoot, 'scripts/build-sdk.mjs')).href)) as {
    buildSdk: (o: {
      quiet?: boolean;
      measureOnly?: boolean;
    }) => Promise<Record<string, { bytes: number; gzipBytes: number }>>;
  };
  const sizes = await buildSdk({ quiet: true, measureOnly: !stale });
  return sizes['plaza.min.js']!;
}

export interface PageServer {
  /** Origin of the server, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Serves html at path (query strings are ignored when matching). */
  setPage(path: string, html: string): void;
  close(): Promise<void>;
}

/**
 * Serves test pages and the built bundle (`/plaza.min.js`, `/plaza.esm.js`) from its own origin, so the SDK
 * talks to the collector cross-origin exactly as on a real marketplace site.
 */
export async function servePages(pages: Record<string, string> = {}): Promise<PageServer> {
  const table = new Map(Object.entries(pages));
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/plaza.min.js' || path === '/plaza.esm.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
      res.end(readFileSync(join(repoRoot, 'dist/sdk', path.slice(1))));
      return;
    }
    const html = table.get(path) ?? table.get('*');
    if (html === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setPage: (path, html) => void table.set(path, html),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A page that loads the tracker the way sites are told to: the async loader snippet (calls made before the
 * script arrives are queued) and `plaza.init(options)`; `inline` runs right after init, still via the stub.
 */
export function trackerPage(
  options: Record<string, unknown>,
  inline = '',
  title = 'Plaza SDK test page',
): string {
  return `<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>${title}</title></head>
<body>
<h1>${title}</h1>
<p id="status">loading</p>
<script>
!function(w){var p=w.plaza=w.plaza||[];['init','track','page','identify','reset','flush'].forEach(
function(m){p[m]=p[m]||function(){p.push([m].concat([].slice.call(arguments)))}})}(window);
plaza.init(${JSON.stringify(options)});
${inline}
</script>
<script async src="/plaza.min.js" onload="document.getElementById('status').textContent='tracker loaded'"></script>
</body></html>`;
}

/** Saves a screenshot under test-artifacts/ (gitignored) for a human to look at after a run. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) });
}
