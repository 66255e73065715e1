import type { LogLevel } from '../config/agent-config';

export type LogFields = Record<string, unknown>;

/**
 * The agent's output. Under a service manager it writes one JSON object per line (for
 * journald, syslog shippers and log pipelines); on a terminal, readable lines and a live
 * progress line for requests in flight.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /**
   * Progress of a long wait identified by `key` (e.g. a certificate request). A terminal
   * shows `text` on one line that is redrawn; structured logs get a line only when
   * `state` changes, so a poll every second does not flood the journal.
   */
  progress(key: string, state: string, text: string, fields?: LogFields): void;
  /** Ends the progress line of `key`. */
  progressDone(key: string): void;
}

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A terminal gets {@link TtyLogger}, anything else {@link JsonLogger}. */
export function createLogger(level: LogLevel, stream: OutputStream = process.stdout): Logger {
  return stream.isTTY ? new TtyLogger(level, stream) : new JsonLogger(level, stream);
}

/** One JSON object per line: `{"time","level","msg",...fields}`. */
export class JsonLogger implements Logger {
  private readonly states = new Map<string, string>();

  constructor(
    private readonly level: LogLevel,
    private readonly stream: OutputStream,
    private readonly now: () => Date = () => new Date(),
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }

  progress(key: string, state: string, text: string, fields?: LogFields): void {
    if (this.states.get(key) === state) return;
    this.states.set(key, state);
    this.write('info', text, fields);
  }

  progressDone(key: string): void {
    this.states.delete(key);
  }

  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] < RANK[this.level]) return;
    const line = { time: this.now().toISOString(), level, msg, ...plain(fields) };
    this.stream.write(`${JSON.stringify(line)}\n`);
  }
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Human-readable lines and live progress lines for a terminal. */
export class TtyLogger implements Logger {
  private readonly live = new Map<string, string>();
  private frame = 0;
  private drawn = 0;

  constructor(
    private readonly level: LogLevel,
    private readonly stream: OutputStream,
    private readonly now: () => Date = () => new Date(),
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.line('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.line('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.line('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.line('error', msg, fields);
  }

  progress(key: string, _state: string, text: string): void {
    this.live.set(key, text);
    this.frame = (this.frame + 1) % SPINNER.length;
    this.redraw(() => undefined);
  }

  progressDone(key: string): void {
    if (!this.live.delete(key)) return;
    this.redraw(() => undefined);
  }

  private line(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] < RANK[this.level]) return;
    const time = this.now().toTimeString().slice(0, 8);
    const extra = Object.entries(plain(fields))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    this.redraw(() =>
      this.stream.write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ` ${extra}` : ''}\n`),
    );
  }

  /** Erases the live lines, prints whatever `print` prints, then draws the live lines again below it. */
  private redraw(print: () => void): void {
    let out = '';
    for (let i = 0; i < this.drawn; i++) out += '\x1b[1A\x1b[2K';
    if (out) this.stream.write(`\r${out}`);
    print();
    const lines = [...this.live.values()].map((text) => `${SPINNER[this.frame]} ${text}\n`);
    if (lines.length) this.stream.write(lines.join(''));
    this.drawn = lines.length;
  }
}

/** Errors become their message; nothing else is transformed. */
function plain(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = v instanceof Error ? v.message : v instanceof Date ? v.toISOString() : v;
  }
  return out;
}
