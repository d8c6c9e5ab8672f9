/**
 * Identity ids that must never be merged: what broken trackers send when they have no id (a stringified
 * null, a placeholder for logged-out visitors). Compared trimmed and case-insensitively. Events carrying them
 * still count (as visitors of that literal id) but never link an anonymous id to a user.
 */
export const unusableIds: readonly string[] = [
  '',
  'null',
  'undefined',
  'nil',
  'none',
  'nan',
  'guest',
  'anonymous',
  'anon',
  'unknown',
  '0',
  '-1',
  'false',
  'true',
  '[object object]',
  'n/a',
];

const unusable = new Set(unusableIds);

/** True for an id that may take part in identity stitching (see `unusableIds`). */
export function isUsableId(id: string | null | undefined): id is string {
  if (id === null || id === undefined) return false;
  // Real ids are rarely short; only those can be one of the placeholders.
  if (id.length > 20) return true;
  return !unusable.has(id.trim().toLowerCase());
}

/**
 * SQL predicate that is true when `column` holds a usable id (the same list, for views and ad-hoc queries).
 * Portable SQL: lower/trim/IN.
 */
export function usableIdSql(column: string): string {
  const list = unusableIds.map((id) => `'${id.replaceAll("'", "''")}'`).join(', ');
  return `(${column} IS NOT NULL AND lower(trim(${column})) NOT IN (${list}))`;
}

/** Why an attempt to link an anonymous id to a user was not applied. */
export type RejectReason =
  /** The anonymous id is already linked to another user whose identification came first (event time). */
  | 'anonymous_id_taken'
  /** The "anonymous" id is itself a user id (seen as the user_id of an event): users are never merged away. */
  | 'anonymous_id_is_user';
