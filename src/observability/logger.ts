import { type Logger, pino } from 'pino';

/** Structured JSON logs on stdout; one logger per process, children per module. */
export function createLogger(level: string, name = 'plaza'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', '*.secret', '*.password'], censor: '[redacted]' },
  });
}

export type { Logger };
