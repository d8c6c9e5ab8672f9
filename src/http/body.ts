import { gunzipSync, inflateSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { PlazaError } from '../core/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies, optionally gzip/deflate-compressed, with limits applied to the decompressed size (a small
 * gzip bomb must not become a large allocation). text/plain is parsed as JSON too: browsers send beacons
 * as text/plain to avoid a CORS preflight.
 */
export function decodeJsonBody(raw: Buffer, encoding: string | undefined, maxBytes: number): unknown {
  let bytes = raw;
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  try {
    if (enc === 'gzip' || enc === 'x-gzip') bytes = gunzipSync(raw, { maxOutputLength: maxBytes });
    else if (enc === 'deflate') bytes = inflateSync(raw, { maxOutputLength: maxBytes });
    else if (enc !== 'identity' && enc !== '') {
      throw new PlazaError(
        'unsupported_encoding',
        `Content-Encoding "${encoding}" is not supported; send identity, gzip or deflate`,
        415,
      );
    }
  } catch (e) {
    if (e instanceof PlazaError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new PlazaError('payload_too_large', `decompressed body exceeds ${maxBytes} bytes`, 413);
    }
    throw new PlazaError('malformed_body', `body is not valid ${enc} data: ${(e as Error).message}`, 400);
  }
  if (bytes.length > maxBytes) {
    throw new PlazaError(
      'payload_too_large',
      `body of ${bytes.length} bytes exceeds the limit of ${maxBytes}`,
      413,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new PlazaError('invalid_utf8', 'body is not valid UTF-8', 400);
  }
  if (text.trim() === '')
    throw new PlazaError('empty_body', 'request body is empty; send a JSON object', 400);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PlazaError('malformed_json', `body is not valid JSON: ${(e as Error).message}`, 400, {
      details: { excerpt: text.slice(0, 200) },
    });
  }
}

/** The raw text kept as a dead letter when a whole request is malformed (capped so junk cannot bloat storage). */
export const rawExcerpt = (raw: Buffer, max = 64 * 1024): string => raw.subarray(0, max).toString('utf8');

export function registerJsonParsers(app: FastifyInstance, maxBytes: number): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'text/plain'],
    // Compressed bodies may not exceed the decompressed limit either.
    { parseAs: 'buffer', bodyLimit: maxBytes },
    (req, body, done) => {
      try {
        done(null, decodeJsonBody(body as Buffer, req.headers['content-encoding'], maxBytes));
      } catch (e) {
        // Keep the raw bytes so an authenticated malformed request can still be kept as a dead letter.
        (req as unknown as { rawBodyForDeadLetter?: Buffer }).rawBodyForDeadLetter = body as Buffer;
        done(e as Error, undefined);
      }
    },
  );
}
