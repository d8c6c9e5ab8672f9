import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, repoRoot } from './chromium.js';
import type { TestPlaza } from './plaza.js';
import { startBuiltPlaza } from './semantic.js';

export const WEB_INDEX = join(repoRoot, 'dist/web/index.html');

/**
 * Where every web-app test starts: headless Chromium and a Plaza holding a small simulated store marketplace
 * whose warehouse is built, so pages show real figures. The built app must exist (npm run build).
 */
export async function startWebPlaza(sim: {
  seed: number;
  start: number;
  days: string[];
  users: number;
  sellers: number;
}): Promise<{ browser: Browser; plaza: TestPlaza }> {
  assert.ok(existsSync(WEB_INDEX), `${WEB_INDEX} is missing: run npm run build (it builds the web app)`);
  const [browser, plaza] = await Promise.all([launchBrowser(), startBuiltPlaza(sim)]);
  return { browser, plaza };
}
