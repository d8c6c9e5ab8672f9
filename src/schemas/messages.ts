import type { ErrorObject } from 'ajv';
import type { StepIssue } from '../core/result.js';

/**
 * Turns Ajv errors into messages a developer can act on without reading the schema:
 * `/properties/price must be a number ≥ 0, got "abc"`. Needs Ajv's `verbose: true` (errors then carry the
 * offending data and the schema around the failing keyword).
 */
export function schemaIssues(errors: readonly ErrorObject[], base = '/properties'): StepIssue[] {
  return errors.map((e) => {
    const { pointer, message } = explain(e, base);
    return { kind: 'schema_violation', pointer, message: `${pointer} ${message}` };
  });
}

/** Short rendering of a value for a message: the value itself when short, its kind otherwise. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  return `an ${typeof value}`;
}

export const escapePointerToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

type SchemaNode = Record<string, unknown>;

function explain(e: ErrorObject, base: string): { pointer: string; message: string } {
  const pointer = base + e.instancePath;
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const got = `, got ${describeValue(e.data)}`;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
    case 'dependentRequired': {
      const missing = String(params['missingProperty']);
      const extra = e.keyword === 'dependentRequired' ? ` when ${String(params['property'])} is present` : '';
      return {
        pointer: `${pointer}/${escapePointerToken(missing)}`,
        message: `is required${extra} but missing`,
      };
    }
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = String(params['additionalProperty'] ?? params['unevaluatedProperty']);
      return {
        pointer: `${pointer}/${escapePointerToken(name)}`,
        message: 'is not an allowed property here',
      };
    }
    case 'type':
      return { pointer, message: `must be ${typePhrase(parent)}${got}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { pointer, message: `must be ${rangePhrase(parent)}${got}` };
    case 'enum':
      return { pointer, message: `must be one of ${listValues(parent['enum'])}${got}` };
    case 'const':
      return { pointer, message: `must be ${JSON.stringify(parent['const'])}${got}` };
    case 'pattern':
      return { pointer, message: `must match /${String(parent['pattern'])}/${hint(parent)}${got}` };
    case 'format':
      return {
        pointer,
        message: `must be a valid ${String(params['format'])}${formatHint(params['format'])}${got}`,
      };
    case 'minLength':
      if (e.data === '') return { pointer, message: 'must not be empty' };
      return { pointer, message: `must be ${lengthPhrase(parent)}, got ${stringLength(e.data)}` };
    case 'maxLength':
      return { pointer, message: `must be ${lengthPhrase(parent)}, got ${stringLength(e.data)}` };
    case 'minItems':
    case 'maxItems': {
      const n = Array.isArray(e.data) ? e.data.length : 0;
      return { pointer, message: `${e.message ?? 'has the wrong number of items'}, got ${n}` };
    }
    case 'uniqueItems': {
      const [a, b] = [Number(params['i']), Number(params['j'])].sort((x, y) => x - y);
      return { pointer, message: `must not contain duplicates, but items ${a} and ${b} are equal` };
    }
    case 'multipleOf':
      return { pointer, message: `must be a multiple of ${String(params['multipleOf'])}${got}` };
    default:
      return { pointer, message: e.message ?? `fails ${e.keyword}` };
  }
}

const typeNames: Record<string, string> = {
  number: 'a number',
  integer: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typePhrase(schema: SchemaNode): string {
  const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [String(schema['type'])];
  const names = types.map((t) => typeNames[t] ?? t).join(' or ');
  if (Array.isArray(schema['enum'])) return `${names}, one of ${listValues(schema['enum'])}`;
  if (types.length === 1 && (types[0] === 'number' || types[0] === 'integer')) {
    const range = rangePhrase(schema);
    return range === '' ? names : `${names} ${range}`;
  }
  if (types.length === 1 && types[0] === 'string' && typeof schema['format'] === 'string') {
    return `${names} in ${schema['format']} format${formatHint(schema['format'])}`;
  }
  return names;
}

function rangePhrase(schema: SchemaNode): string {
  const lo = bound(schema, 'minimum', 'exclusiveMinimum');
  const hi = bound(schema, 'maximum', 'exclusiveMaximum');
  if (lo !== null && hi !== null && !lo.exclusive && !hi.exclusive)
    return `between ${lo.value} and ${hi.value}`;
  const parts: string[] = [];
  if (lo !== null) parts.push(`${lo.exclusive ? '>' : '≥'} ${lo.value}`);
  if (hi !== null) parts.push(`${hi.exclusive ? '<' : '≤'} ${hi.value}`);
  return parts.join(' and ');
}

function bound(
  schema: SchemaNode,
  inclusive: string,
  exclusive: string,
): { value: number; exclusive: boolean } | null {
  const ex = schema[exclusive];
  const inc = schema[inclusive];
  if (typeof ex === 'number') return { value: ex, exclusive: true };
  if (typeof inc === 'number') return { value: inc, exclusive: false };
  return null;
}

function lengthPhrase(schema: SchemaNode): string {
  const min = schema['minLength'];
  const max = schema['maxLength'];
  if (typeof min === 'number' && typeof max === 'number') return `between ${min} and ${max} characters long`;
  if (typeof min === 'number') return min === 1 ? 'a non-empty string' : `at least ${min} characters long`;
  return `at most ${String(max)} characters long`;
}

function stringLength(value: unknown): string {
  if (typeof value !== 'string') return describeValue(value);
  return value.length <= 40 ? describeValue(value) : `a string of ${value.length} characters`;
}

function listValues(values: unknown): string {
  if (!Array.isArray(values)) return '(no values)';
  const shown = values.slice(0, 20).map((v) => JSON.stringify(v));
  return values.length > 20 ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** Pattern errors are opaque on their own; a short property description usually says what was meant. */
function hint(schema: SchemaNode): string {
  const d = schema['description'];
  return typeof d === 'string' && d.length <= 120 ? ` (${d.replace(/\.$/, '')})` : '';
}

const formatExamples: Record<string, string> = {
  'date-time': ' (RFC 3339, e.g. "2026-01-15T10:30:00Z")',
  date: ' (YYYY-MM-DD, e.g. "2026-01-15")',
  time: ' (HH:MM:SS with offset, e.g. "10:30:00Z")',
  uri: ' (absolute URI, e.g. "https://example.com/a")',
  email: ' (e.g. "ana@example.com")',
  uuid: ' (e.g. "3f2b8c9e-1d2a-4c5b-9e7f-0a1b2c3d4e5f")',
};

const formatHint = (format: unknown): string => formatExamples[String(format)] ?? '';
