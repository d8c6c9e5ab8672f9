import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isPlazaError, PlazaError } from '../core/errors.js';

/** Fastify's own errors (body limits, media types, schema validation) mapped to Plaza's codes. */
const fastifyCodes: Record<string, [string, string?]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'unsupported_media_type',
    'send the body as application/json (or text/plain for beacons)',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['empty_body', 'request body is empty; send a JSON object'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_content_length'],
  FST_ERR_VALIDATION: ['invalid_request'],
};

export function toPlazaError(err: unknown): PlazaError {
  if (isPlazaError(err)) return err;
  const fe = err as FastifyError;
  const mapped = fe?.code ? fastifyCodes[fe.code] : undefined;
  if (mapped) return new PlazaError(mapped[0], mapped[1] ?? fe.message, fe.statusCode ?? 400);
  if (fe?.statusCode && fe.statusCode < 500) {
    return new PlazaError('bad_request', fe.message, fe.statusCode);
  }
  return new PlazaError(
    'internal_error',
    'internal error; the request id in this answer locates it in the logs',
    500,
    {
      cause: err,
    },
  );
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toPlazaError(err);
  if (e.status >= 500) request.log.error({ err: (e.cause as Error) ?? e, code: e.code }, e.message);
  else request.log.info({ code: e.code, status: e.status }, e.message);
  const retryAfter = (e.details as { retry_after_seconds?: number } | undefined)?.retry_after_seconds;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.status(e.status).send({ ...e.toJSON(), request_id: request.id });
}
