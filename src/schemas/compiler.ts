import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { PlazaError } from '../core/errors.js';
import type { JsonSchema } from './catalogue/common.js';
import { describeValue } from './messages.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the whole module.
const addFormats = formats.default;

const options: Options = {
  allErrors: true,
  // Errors carry the offending data and schema, which the messages quote; costs nothing when data is valid.
  verbose: true,
  // Strict about the schema itself (unknown keywords are usually typos such as "requried")...
  strictSchema: true,
  strictNumbers: true,
  // ...but not about styles that are legal and common in hand-written schemas.
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allowUnionTypes: true,
};

const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';
const MAX_SCHEMA_BYTES = 256 * 1024;

type AjvInstance = Ajv | Ajv2020;

/**
 * Compiles event schemas. Draft 2020-12 is Plaza's dialect (the built-in catalogue uses it); schemas that
 * declare draft-07 are accepted too, since many tools still emit it. Ajv cannot mix drafts in one instance,
 * hence one instance per draft.
 */
export class SchemaCompiler {
  private draft2020: Ajv2020 | null = null;
  private draft07: Ajv | null = null;

  /**
   * Returns a validator for `schema`, or throws PlazaError('invalid_schema', ..., 400) naming the problem.
   * `label` names the schema in messages (e.g. `"listing_viewed"`).
   */
  compile(schema: unknown, label: string): ValidateFunction {
    const fail = (problem: string): never => {
      throw new PlazaError(
        'invalid_schema',
        `The schema for ${label} is not a valid JSON Schema: ${problem}`,
        400,
      );
    };
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      return fail(`expected a JSON object, got ${describeValue(schema)}`);
    }
    if (JSON.stringify(schema).length > MAX_SCHEMA_BYTES) {
      return fail(`it is larger than ${MAX_SCHEMA_BYTES / 1024} KiB`);
    }
    const s = schema as JsonSchema;
    const ajv = this.instanceFor(s['$schema'], fail);
    const rootType = s['type'];
    if (
      rootType !== undefined &&
      rootType !== 'object' &&
      !(Array.isArray(rootType) && rootType.includes('object'))
    ) {
      fail(
        `it describes the event's properties, which are always an object, but its type is ${JSON.stringify(rootType)}`,
      );
    }
    if (!ajv.validateSchema(s)) fail(metaErrors(ajv.errors ?? []));
    // A private copy: Ajv keys its cache by object, and the caller may keep mutating theirs.
    const own = structuredClone(s);
    try {
      return ajv.compile(own);
    } catch (err) {
      return fail(compileError(err));
    } finally {
      // Rows are immutable and cached by the registry; keeping them in Ajv too would leak and make a
      // second schema with the same $id collide.
      ajv.removeSchema(own);
    }
  }

  private instanceFor(dialect: unknown, fail: (problem: string) => never): AjvInstance {
    if (dialect === undefined || normaliseDialect(dialect) === DRAFT_2020) {
      this.draft2020 ??= withFormats(new Ajv2020(options));
      return this.draft2020;
    }
    if (normaliseDialect(dialect) === DRAFT_07) {
      this.draft07 ??= withFormats(new Ajv(options));
      return this.draft07;
    }
    return fail(`$schema ${describeValue(dialect)} is not supported; use ${DRAFT_2020} (or draft-07)`);
  }
}

function withFormats<T extends AjvInstance>(ajv: T): T {
  addFormats(ajv);
  return ajv;
}

function normaliseDialect(dialect: unknown): string | null {
  if (typeof dialect !== 'string') return null;
  if (/^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/.test(dialect)) return DRAFT_2020;
  if (/^https?:\/\/json-schema\.org\/draft-07\/schema#?$/.test(dialect)) return DRAFT_07;
  return null;
}

/**
 * Meta-schema errors, most specific first. The meta-schema's anyOf alternatives produce one error per branch
 * plus a summary; the summary adds nothing.
 */
function metaErrors(errors: readonly ErrorObject[]): string {
  const enumPaths = new Set(errors.filter((e) => e.keyword === 'enum').map((e) => e.instancePath));
  // Where a value is outside an enum, the other branches' complaints about the same value are noise.
  const useful = errors.filter(
    (e) =>
      e.keyword !== 'anyOf' &&
      e.keyword !== 'oneOf' &&
      (e.keyword === 'enum' || !enumPaths.has(e.instancePath)),
  );
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const e of useful.length > 0 ? useful : errors) {
    const at = e.instancePath === '' ? 'the root' : e.instancePath;
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
    const what =
      e.keyword === 'enum' && Array.isArray(allowed)
        ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(e.data)}`
        : `${e.message ?? e.keyword}${e.data === undefined ? '' : `, got ${describeValue(e.data)}`}`;
    const line = `at ${at}: ${what}`;
    if (!seen.has(line)) parts.push(line);
    seen.add(line);
  }
  return parts.join('; ');
}

function compileError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /^strict mode: unknown keyword: (".*")$/.exec(message);
  if (unknown !== null) {
    return `unknown keyword ${unknown[1]}: check its spelling (unknown keywords are refused so that a typo cannot silently switch a rule off)`;
  }
  return message;
}
