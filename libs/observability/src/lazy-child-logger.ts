import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

/** What Fastify calls on a request's logger (`request.log`, `reply.log`). */
type Method = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A child logger that is only made when something logs through it. Fastify gives every
 * request a child of the application's logger bound to its request id, and a pino child
 * of a logger with redaction costs its redaction set-up each time (~3 KB and a few µs a
 * request, for a logger that almost never logs: the one access-log line per request is
 * written elsewhere, and Fastify uses `request.log` only for errors and warnings).
 * Whatever is logged through it is logged exactly as through the real child, redaction
 * included.
 */
export class LazyChildLogger {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The real child, made on first use. */
  get real(): Logger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#child?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  // Methods on the prototype, not arrow-function fields: one object a request, no closures.
  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.log('error', args);
  }
  warn(...args: unknown[]): void {
    this.log('warn', args);
  }
  info(...args: unknown[]): void {
    this.log('info', args);
  }
  debug(...args: unknown[]): void {
    this.log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.log('trace', args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.real.child(bindings, options);
  }

  private log(method: Method, args: unknown[]): void {
    (this.real[method] as (...a: unknown[]) => void)(...args);
  }
}
