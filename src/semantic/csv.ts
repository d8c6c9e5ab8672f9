/**
 * A query answer as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted, quotes
 * doubled): a header of dimension ids then metric ids, one line per row. Totals and comparisons stay in the
 * JSON answer: a spreadsheet sums the rows itself, and an extra line would not be a row.
 */
import { stringify } from 'csv-stringify/sync';
import type { Row } from '../ports/warehouse.js';

/**
 * Values are taken as the JSON answer gives them (dates as YYYY-MM-DD, numbers in full precision), so the
 * CSV and the JSON of the same query never disagree; null becomes an empty field.
 */
export function queryCsv(rows: Row[], dimensions: string[], metrics: string[]): string {
  const columns = [...dimensions, ...metrics];
  const plain = JSON.parse(JSON.stringify(rows)) as Record<string, unknown>[];
  const lines = plain.map((r) =>
    columns.map((c) => {
      const v = r[c];
      return v === null || v === undefined ? '' : String(v);
    }),
  );
  // With CRLF records csv-stringify quotes only fields holding the whole CRLF; RFC 4180 wants any line break quoted.
  return stringify([columns, ...lines], { record_delimiter: '\r\n', quoted_match: /[\r\n]/ });
}

/** `plaza-query-2026-01-31.csv`: the day the export was made (UTC). */
export const csvFilename = (now = new Date()) => `plaza-query-${now.toISOString().slice(0, 10)}.csv`;
