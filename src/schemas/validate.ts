import type { UnknownEventPolicy } from '../collector/types.js';
import type { PlazaEvent } from '../core/envelope.js';
import { deadLetter, ok, type StepResult } from '../core/result.js';
import { schemaIssues } from './messages.js';
import type { SchemaRegistry } from './registry.js';

/**
 * Collector step: checks an event's properties against the schema version it names (the latest when it
 * names none) and stamps that version on the event. Synchronous and allocation-light on the valid path,
 * since it runs for every event: validators are compiled ahead of time and cached by the registry.
 */
export function validateEvent(
  registry: SchemaRegistry,
  event: PlazaEvent,
  policy: UnknownEventPolicy,
): StepResult<PlazaEvent> {
  const schemas = registry.lookup(event.project_id, event.event_type);
  if (schemas === undefined) {
    if (policy === 'reject') {
      return deadLetter([
        {
          kind: 'unknown_event_type',
          pointer: '/event_type',
          message:
            `/event_type ${JSON.stringify(event.event_type)} has no registered schema and this project rejects ` +
            'unknown event types: register a schema for it, or set the project to accept unknown types',
        },
      ]);
    }
    return ok(event.schema_version === null ? event : { ...event, schema_version: null });
  }

  let compiled = schemas.latest;
  const named = event.schema_version;
  if (named !== null && named !== undefined) {
    const match = schemas.versions.get(named);
    if (match === undefined) {
      const known = [...schemas.versions.keys()].sort((a, b) => a - b).join(', ');
      return deadLetter([
        {
          kind: 'unknown_schema_version',
          pointer: '/schema_version',
          message: `/schema_version ${describeVersion(named)} does not exist for ${JSON.stringify(event.event_type)}; known versions: ${known}`,
        },
      ]);
    }
    compiled = match;
  }

  if (!compiled.validate(event.properties)) return deadLetter(schemaIssues(compiled.validate.errors ?? []));
  const version = compiled.entry.version;
  return ok(event.schema_version === version ? event : { ...event, schema_version: version });
}

const describeVersion = (v: unknown): string => (typeof v === 'number' ? String(v) : JSON.stringify(v));
