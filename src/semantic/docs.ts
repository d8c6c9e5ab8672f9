/**
 * The metric catalogue as Markdown tables, generated from catalogue.ts so the documentation cannot drift:
 * `node dist/src/semantic/docs.js > docs/metrics.md && npx biome format --write docs/metrics.md`
 * (test/semantic-docs.test.ts fails when the file no longer matches the catalogue).
 */
import { dimensions, metrics, tableDimensions, tables } from './catalogue.js';

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function metricsMarkdown(): string {
  const out: string[] = [
    '# Metric catalogue',
    '',
    'Generated from `src/semantic/catalogue.ts` by `node dist/src/semantic/docs.js > docs/metrics.md` (then',
    '`npx biome format --write docs/metrics.md`); do not edit.',
    'Ratios are ratios of sums, so they stay exact at any grouping. A metric answers from the first table in its',
    'list that supports every dimension and filter of the request (marts first); metrics of tables without a seller',
    'column are platform-wide and refused in a seller-scoped query. Money is summed as sent: break down by `currency`',
    'when a project takes several.',
    '',
    '## Metrics',
    '',
    '| metric | label (en / es) | unit | for | definition | tables: SQL |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const m of metrics) {
    out.push(
      `| \`${m.id}\` | ${m.label.en} / ${m.label.es} | ${m.unit} | ${m.audience} | ${cell(m.description)} | ${m.sources
        .map((s) => `\`${s.table}\`: \`${cell(s.sql)}\`${s.perDay ? ` (by day: \`${cell(s.perDay)}\`)` : ''}`)
        .join('<br>')} |`,
    );
  }
  out.push(
    '',
    '## Dimensions',
    '',
    '| dimension | label (en / es) | type | meaning | tables |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const d of dimensions) {
    const where = Object.values(tables)
      .filter((t) => tableDimensions(t).includes(d.id))
      .map((t) => `\`${t.name}\``);
    out.push(
      `| \`${d.id}\` | ${d.label.en} / ${d.label.es} | ${d.type} | ${cell(d.description)} | ${where.join(', ')} |`,
    );
  }
  out.push('', '## Tables', '', '| table | layer | seller column | day |', '| --- | --- | --- | --- |');
  for (const t of Object.values(tables)) {
    out.push(
      `| \`${t.name}\` | ${t.layer} | ${t.seller ? `\`${t.seller}\`` : 'none (platform-wide)'} | \`${cell(t.date)}\` |`,
    );
  }
  return `${out.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(metricsMarkdown());
