import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { metricsMarkdown } from '../src/semantic/docs.js';
import { repoRoot } from './helpers/plaza.js';

// The formatter (biome) pads table cells; compare the cells, not the padding.
const normalise = (md: string) =>
  md
    .trim()
    .split('\n')
    .map((l) =>
      l.startsWith('|')
        ? l
            .split(/(?<!\\)\|/)
            .map((c) => c.trim().replace(/^-+$/, '-'))
            .join('|')
        : l.trim(),
    );

it('docs/metrics.md is the catalogue as generated (node dist/src/semantic/docs.js > docs/metrics.md)', () => {
  assert.deepEqual(
    normalise(readFileSync(join(repoRoot, 'docs', 'metrics.md'), 'utf8')),
    normalise(metricsMarkdown()),
  );
});
