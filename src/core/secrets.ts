import { createHash, randomBytes } from 'node:crypto';

/**
 * Secrets (write keys, service keys, refresh tokens, admin token) and ids. Secrets are stored only as their
 * SHA-256: they are long and random, so a plain hash is enough to look them up and useless to a thief.
 */
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A prefixed random secret, `<prefix><bytes as base64url>`; the prefix tells a leaked secret's kind at a glance. */
export const newSecret = (prefix: string, bytes: number): string =>
  `${prefix}${randomBytes(bytes).toString('base64url')}`;

/** A prefixed random id, `<prefix><bytes as hex>`. */
export const newId = (prefix: string, bytes: number): string =>
  `${prefix}${randomBytes(bytes).toString('hex')}`;
