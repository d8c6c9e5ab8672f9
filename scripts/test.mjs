#!/usr/bin/env node
// The whole test suite, as the README and .ci/run call it: type-check/build, lint, start the real engines the
// adapters talk to (PostgreSQL, Redis; installed from Debian packages when missing), run every test file.
// Usage: npm test [-- <substring filter of test file paths>...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServices } from './services.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`\n✗ ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

run('npm', ['run', 'build', '--silent']);
run('npx', ['biome', 'check', '.']);

const files = testFiles(join(root, 'dist', 'test')).filter(
  (f) => filters.length === 0 || filters.some((s) => f.includes(s)),
);
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const services = await startServices();
let status = 1;
try {
  const r = spawnSync(
    process.execPath,
    // A test that hangs, or fails while leaving a loop running, must end the run with a failure instead of
    // stalling CI: each test gets 15 minutes, and a file's process exits once its tests are done.
    [
      '--test',
      '--test-concurrency=2',
      '--test-timeout=900000',
      '--test-force-exit',
      '--test-reporter=spec',
      ...files.sort(),
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...services.env } },
  );
  status = r.status ?? 1;
} finally {
  await services.stop();
}
process.exit(status);
