import type { FastifyRequest } from 'fastify';
import { PlazaError } from '../core/errors.js';
import type { AuthenticatedKey, WriteKeys } from '../projects/write-keys.js';

/**
 * The write key of an ingest request, wherever the client put it: HTTP Basic username (Segment and
 * RudderStack libraries, empty password), a Bearer token, `writeKey` in the body (Segment), or the
 * `writeKey` query parameter (beacons cannot set headers).
 */
export function writeKeyOf(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  if (auth) {
    const [scheme, value = ''] = auth.split(' ', 2);
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
      if (user) return user;
    } else if (scheme?.toLowerCase() === 'bearer' && value) {
      return value;
    }
  }
  const body = request.body as { writeKey?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.writeKey === 'string') return body.writeKey;
  const query = request.query as { writeKey?: unknown } | undefined;
  if (query && typeof query.writeKey === 'string') return query.writeKey;
  return null;
}

export async function authenticateWriteKey(
  request: FastifyRequest,
  keys: WriteKeys,
): Promise<AuthenticatedKey> {
  const secret = writeKeyOf(request);
  if (!secret) {
    throw new PlazaError(
      'missing_write_key',
      'no write key: send it as the HTTP Basic username (empty password), or as writeKey in the body',
      401,
    );
  }
  const key = await keys.authenticate(secret);
  if (!key) throw new PlazaError('invalid_write_key', 'the write key is unknown or revoked', 401);
  return key;
}
