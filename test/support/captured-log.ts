import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_PATHS, type Logger } from '@fleetcert/observability';

/**
 * A logger with the production logger's settings (level info, redaction) that writes into
 * `lines`, one parsed JSON object per log line, for tests that read what the API logs.
 */
export function capturedLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino(
    { level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'api' } },
    sink,
  );
  return { logger, lines };
}
