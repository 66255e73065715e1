import { spawn } from 'node:child_process';
import { join } from 'node:path';

// HTTP load over loopback with wrk (Debian 4.1.0, C + LuaJIT) as a child process. It costs
// a fraction of the CPU per request that a Node load generator in the benchmark's own process
// does, and on 2 cores that CPU is taken from the API being measured.

const SCRIPT = join(__dirname, 'wrk-requests.lua');
const RESULT_PREFIX = 'fleetcert-wrk-result ';
const THREAD_DONE = 'fleetcert-wrk-thread-done';

/**
 * wrk threads. One event-loop thread keeps 32 loopback connections busy at the API's rates;
 * two cost no less CPU per request there (BENCHMARKS.md, "How it measures").
 */
export const WRK_THREADS = 1;

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  requests: readonly HttpRequest[];
  /** Seconds without an answer after which wrk counts a request as timed out. */
  timeoutSeconds: number;
  /** wrk threads; {@link WRK_THREADS} unless given. */
  threads?: number;
  /**
   * Requests per second to offer on a fixed schedule (open loop), or none to send each next
   * request as soon as a connection is free (closed loop, the most the server answers).
   * Paced latencies count from when each request was due (see wrk-requests.lua).
   */
  ratePerSecond?: number;
}

/** The summary the benchmark rows are made of; latencies in milliseconds. */
export interface LoadResult {
  requests: { total: number };
  /** Seconds: of the run (cycling), or first request to last answer (each once). */
  duration: number;
  /**
   * From each request's send to its answer, or in a paced run from when it was due: a
   * request that waited for a free connection counts its wait.
   */
  latency: Latency;
  /** Answers with a status ≥ 400 (wrk's own count; it takes 3xx as success). */
  non2xx: number;
  /** Connect, read and write errors. */
  errors: number;
  timeouts: number;
  /** User + system CPU seconds of the wrk process, start-up included (getrusage in its done hook). */
  cpuSeconds: number;
  /** Paced runs only. */
  paced?: {
    offeredPerSecond: number;
    /** Requests due by the last answer: more than were answered when the server fell behind. */
    dueByEnd: number;
    /** Answers without a slot to count from (the server did not echo X-Request-Id). */
    unpaired: number;
    /** From each request's send to its answer: what a closed-loop tool would report. */
    fromSend: Latency;
    /** The 2xx answers alone, from when each was due (a request turned away is not served). */
    ok: Latency;
    /**
     * The slowest answer (ms, from when due) among the requests due in each 100 ms of the
     * schedule, first window first; 0 where none was answered. Tells a few stalls (some
     * windows far above the rest) from a steady tail.
     */
    windowMaxMs: number[];
  };
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Sends every request exactly once, {@link LoadOptions.connections} at a time, and stops at
 * the last answer: count, rate and latency are those of these requests only.
 * `maxSeconds` bounds the run if answers go missing (a dropped connection loses its request).
 */
export function sendEachOnce(opts: LoadOptions & { maxSeconds?: number }): Promise<LoadResult> {
  if (!opts.requests.length) throw new Error('sendEachOnce: no requests');
  return runWrk(opts, 'once', opts.maxSeconds ?? 300);
}

/** Sends the requests round-robin for `seconds`. */
export function cycleFor(opts: LoadOptions & { seconds: number }): Promise<LoadResult> {
  if (!opts.requests.length) throw new Error('cycleFor: no requests');
  return runWrk(opts, 'cycle', opts.seconds);
}

interface WrkResult {
  requests: number;
  sent: number;
  durationSeconds: number;
  latencyUs: { p50: number; p90: number; p99: number; max: number };
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  cpuSeconds: { user: number; system: number };
  paced: {
    rate: number;
    answers: number;
    unpaired: number;
    dueByEnd: number;
    latencyUs: { p50: number; p90: number; p99: number; max: number };
    fromSendUs: { p50: number; p90: number; p99: number; max: number };
    okLatencyUs: { p50: number; p90: number; p99: number; max: number };
    windowMaxUs: number[];
  };
}

function runWrk(opts: LoadOptions, mode: 'once' | 'cycle', seconds: number): Promise<LoadResult> {
  // Every thread needs a request of its own, and at least one connection.
  const threads = Math.min(opts.threads ?? WRK_THREADS, opts.connections, opts.requests.length);
  const rate = opts.ratePerSecond ?? 0;
  if (!(rate >= 0) || !Number.isFinite(rate)) throw new Error(`not a request rate: ${opts.ratePerSecond}`);
  const child = spawn(
    'wrk',
    [
      `--threads=${threads}`,
      `--connections=${opts.connections}`,
      `--duration=${Math.ceil(seconds)}s`,
      `--timeout=${opts.timeoutSeconds}s`,
      `--script=${SCRIPT}`,
      opts.url,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  // Tokens travel on stdin only: not in argv (visible in /proc) nor in a file.
  child.stdin.end(encode(opts.url, mode, threads, rate / threads, opts.requests));

  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let pending = '';
    let threadsDone = 0;
    let running = false;
    let interrupt: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('Running ')) running = true;
        if (line === THREAD_DONE) threadsDone++;
      }
      // wrk's main thread sleeps out --duration: a SIGINT ends it early, and it still reports.
      // "Running" is printed once its handler is installed; a signal that lands just before
      // its sleep() starts is lost, hence the repeat until it exits.
      if (mode === 'once' && running && threadsDone === threads && !interrupt) {
        child.kill('SIGINT');
        interrupt = setInterval(() => child.kill('SIGINT'), 500);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err) => {
      clearInterval(interrupt);
      reject(new Error(`wrk could not start (${err.message}): apt-get install -y wrk`));
    });
    child.on('close', (code, signal) => {
      clearInterval(interrupt);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (!line) {
        reject(
          new Error(`wrk exited (${code ?? signal}) without a result:\n${stderr.trim()}\n${stdout.trim()}`),
        );
        return;
      }
      // A result line this code cannot read (a script of another shape) rejects, never hangs.
      try {
        resolve(toLoadResult(JSON.parse(line.slice(RESULT_PREFIX.length)) as WrkResult));
      } catch (err) {
        reject(new Error(`wrk's result could not be read (${(err as Error).message}): ${line}`));
      }
    });
  });
}

/**
 * The script's stdin: "<mode> <threads> <rate per thread>\n", then each raw request as
 * "<byte length>\n<bytes>".
 */
function encode(
  url: string,
  mode: 'once' | 'cycle',
  threads: number,
  threadRate: number,
  requests: readonly HttpRequest[],
): Buffer {
  const host = new URL(url).host;
  const parts: Buffer[] = [Buffer.from(`${mode} ${threads} ${threadRate.toFixed(3)}\n`)];
  for (const r of requests) {
    const body = r.body === undefined ? undefined : Buffer.from(r.body);
    const head =
      `${r.method} ${r.path} HTTP/1.1\r\nHost: ${host}\r\n` +
      Object.entries(r.headers ?? {})
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      (body ? `Content-Length: ${body.length}\r\n` : '') +
      '\r\n';
    const raw = body ? Buffer.concat([Buffer.from(head), body]) : Buffer.from(head);
    parts.push(Buffer.from(`${raw.length}\n`), raw);
  }
  return Buffer.concat(parts);
}

function toLoadResult(w: WrkResult): LoadResult {
  const ms = (us: number) => Math.round(us / 10) / 100;
  const latency = (us: WrkResult['latencyUs']): Latency => ({
    p50: ms(us.p50),
    p90: ms(us.p90),
    p99: ms(us.p99),
    max: ms(us.max),
  });
  const paced = w.paced.rate > 0;
  return {
    requests: { total: w.requests },
    duration: w.durationSeconds,
    latency: latency(paced ? w.paced.latencyUs : w.latencyUs),
    non2xx: w.errors.status,
    errors: w.errors.connect + w.errors.read + w.errors.write,
    timeouts: w.errors.timeout,
    cpuSeconds: w.cpuSeconds.user + w.cpuSeconds.system,
    ...(paced && {
      paced: {
        offeredPerSecond: w.paced.rate,
        dueByEnd: w.paced.dueByEnd,
        unpaired: w.paced.unpaired,
        fromSend: latency(w.paced.fromSendUs),
        ok: latency(w.paced.okLatencyUs),
        windowMaxMs: w.paced.windowMaxUs.map(ms),
      },
    }),
  };
}
