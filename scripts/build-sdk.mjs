#!/usr/bin/env node
// Bundles the browser tracker with esbuild: dist/sdk/plaza.min.js (IIFE for a <script> tag, exposes
// window.plaza) and dist/sdk/plaza.esm.js (for bundlers), targeting ES2018, and reports gzipped sizes.
// Runs as the second half of `npm run build`; importable as buildSdk() by tests that need a fresh bundle.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}sdk/browser/src`;
const out = `${root}dist/sdk`;
/** Budget for the script-tag bundle, gzipped. */
const BUDGET_BYTES = 6 * 1024;

/** Builds the bundles (unless measureOnly) and returns their sizes. */
export async function buildSdk({ quiet = false, measureOnly = false } = {}) {
  const common = {
    bundle: true,
    target: 'es2018',
    platform: 'browser',
    legalComments: 'none',
    logLevel: 'error',
    // Plain assignments for class fields: smaller than the defineProperty helpers the root tsconfig implies.
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
  };
  if (!measureOnly) {
    await Promise.all([
      build({
        ...common,
        entryPoints: [`${src}/global.ts`],
        outfile: `${out}/plaza.min.js`,
        format: 'iife',
        minify: true,
        sourcemap: true,
      }),
      build({
        ...common,
        entryPoints: [`${src}/index.ts`],
        outfile: `${out}/plaza.esm.js`,
        format: 'esm',
        sourcemap: true,
      }),
    ]);
  }
  const sizes = {};
  for (const name of ['plaza.min.js', 'plaza.esm.js']) {
    const bytes = readFileSync(`${out}/${name}`);
    sizes[name] = { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  }
  if (!quiet) {
    for (const [name, s] of Object.entries(sizes)) {
      console.log(
        `sdk: dist/sdk/${name} ${(s.bytes / 1024).toFixed(1)} KiB, ${(s.gzipBytes / 1024).toFixed(2)} KiB gzipped`,
      );
    }
  }
  const min = sizes['plaza.min.js'];
  if (min.gzipBytes > BUDGET_BYTES)
    console.warn(`sdk: plaza.min.js is over its ${BUDGET_BYTES} B gzipped budget`);
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildSdk();
}
