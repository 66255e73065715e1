import pino, { Logger } from 'pino';

/**
 * Paths pino blanks in every log line, wherever a secret could travel: request
 * headers, and any field named like a credential.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.secret',
  '*.password',
  '*.hmacKey',
  '*.privateKey',
  '*.accountKey',
  '*.keyPem',
  '*.apiKey',
  'token',
  'secret',
  'password',
];

export interface LoggerOptions {
  level: string;
  name: string;
}

/** The one logger of a process: structured JSON on stdout. */
export function createLogger(opts: LoggerOptions): Logger {
  return pino({
    name: opts.name,
    level: opts.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: opts.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

export type { Logger };
