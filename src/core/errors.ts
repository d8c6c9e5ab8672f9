/**
 * The one error type that crosses module boundaries. Every error that can reach a user carries a stable
 * machine-readable code, a message that says what to do, and the HTTP status it maps to.
 */
export class PlazaError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(
    code: string,
    message: string,
    status = 500,
    options: { details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PlazaError';
    this.code = code;
    this.status = status;
    this.details = options.details;
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const isPlazaError = (e: unknown): e is PlazaError => e instanceof PlazaError;
