import pino, { Logger } from 'pino';
import { messageLines } from './error-reason';

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
  /**
   * Buffer stdout writes (servers): lines leave in batches of 4 KiB or every
   * {@link FLUSH_INTERVAL_MS}, instead of one write(2) per line, which cost the API ~10% of
   * its CPU at a few thousand requests a second. pino flushes the buffer when the process
   * exits, crash included; only a SIGKILL loses what is buffered.
   */
  buffered?: boolean;
}

/**
 * `err` fields: a message given as text is put on one line (Prisma's span several: the
 * call, blank lines, then what the database said), so that a log line is one event;
 * an Error object keeps pino's standard form, stack included (the API logs its bugs so).
 */
export function serializeErr(value: unknown): unknown {
  if (typeof value !== 'string') return pino.stdSerializers.err(value as Error);
  return value.includes('\n') ? messageLines(value).join(' ') : value;
}

/** Longest a buffered line waits before it is written. */
export const FLUSH_INTERVAL_MS = 250;

/** The one logger of a process: structured JSON on stdout. */
export function createLogger(opts: LoggerOptions): Logger {
  const options = {
    name: opts.name,
    level: opts.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: opts.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { err: serializeErr },
  };
  if (!opts.buffered) return pino(options);
  return pino(
    options,
    pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: FLUSH_INTERVAL_MS }),
  );
}

export type { Logger };
