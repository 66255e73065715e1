import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';

type Level = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/**
 * Routes Nest's own log calls into the process's pino logger, so there is one log stream.
 *
 * Our code logs pino's way through Nest's `Logger`: `logger.log({ requestId }, 'certificate
 * issued')`. Nest hands that on as `(fields, 'certificate issued', context)`, so a string
 * after an object is the message, not a stack; only Nest's own `error(message, stack,
 * context)` passes a stack.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    // Nothing is built for a line the level drops (per-order calls run at every level).
    if (!this.logger.isLevelEnabled(level)) return;
    // Nest passes the context (the class name) last, after whatever the call gave.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const text = typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, text ?? message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, ...message }, text);
    } else {
      // Nest's `error(message, stack, context)`.
      this.logger[level]({ context, stack: level === 'error' ? text : undefined }, String(message));
    }
  }
}
