import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { renderBindUpdatePolicy, TsigAlgorithm } from '@fleetcert/dns';
import { hasExited } from '../../scripts/app-process';

// A real BIND9 primary for end-to-end tests: one throwaway `named` per call, on a free
// loopback port, with its own directory, keys and zone. Nothing under /etc or /run is touched.

const run = promisify(execFile);

export type Bind9RecordType = 'A' | 'AAAA' | 'TXT' | 'NS' | 'SOA';

/** A TSIG key `named` trusts, as `tsig-keygen` printed it. */
export interface Bind9Key {
  name: string;
  algorithm: TsigAlgorithm;
  secret: string;
}

export interface Bind9Options {
  /** The zone `named` serves as primary, e.g. `devices.test`. */
  zone: string;
  /** Extra zone-file lines, relative to the zone, e.g. `www IN A 127.0.0.1`. */
  records?: readonly string[];
  /** Deadline for `named` to start answering, in ms. Default 20000. */
  startTimeoutMs?: number;
  /** A fixed port; startup fails if it is taken. Default: a free port, chosen per attempt. */
  port?: number;
}

export interface Bind9Handle {
  /** Always `127.0.0.1`. */
  host: string;
  port: number;
  /** `named`'s process id (the benchmarks read its CPU time from /proc). */
  pid: number;
  /** The zone, canonical (lower case, no trailing dot). */
  zone: string;
  /** hmac-sha256 key allowed to update the zone, within {@link Bind9Handle.updatePolicy}. */
  tsig: Bind9Key;
  /** hmac-sha512 key with the same rights, to test that algorithm for real. */
  tsigSha512: Bind9Key;
  /** The `update-policy` clause `named` runs with. */
  updatePolicy: string;
  /** Working directory of this `named` (config, zone, journal); removed by `stop()`. */
  directory: string;
  /**
   * What `named` serves at `name`/`type` right now, asked with `dig +norec` (independent of
   * the code under test): TXT values with their character-strings joined, addresses and names
   * as dig prints them. Empty when the name or type does not exist.
   */
  query(name: string, type: Bind9RecordType): Promise<string[]>;
  /** `named`'s log so far, to attach to failing assertions. */
  log(): string;
  /** Stops `named` and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 20_000;

// If a test process exits without calling stop(), take its named processes down with it.
const liveNamed = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveNamed) child.kill('SIGKILL');
});
const PORT_ATTEMPTS = 5;

/**
 * Starts `named` for `options.zone` and resolves once it answers the zone's SOA over UDP and
 * TCP. Safe to call several times in parallel: each instance gets its own port, directory
 * and keys; a port taken by someone else between our probe and `named`'s bind is detected
 * from its log and another port is tried.
 */
export async function startBind9(options: Bind9Options): Promise<Bind9Handle> {
  const zone = options.zone.toLowerCase().replace(/\.$/, '');
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await probeFreePort());
    const result = await launch(zone, options.records ?? [], port, deadline);
    if (result !== 'port-in-use') return result;
    if (options.port !== undefined) throw new Error(`named could not listen on port ${port}: address in use`);
    if (attempt >= PORT_ATTEMPTS || Date.now() >= deadline) {
      throw new Error(`named could not get a free port after ${attempt} attempts`);
    }
  }
}

async function launch(
  zone: string,
  records: readonly string[],
  port: number,
  deadline: number,
): Promise<Bind9Handle | 'port-in-use'> {
  const directory = await mkdtemp(join(tmpdir(), 'fleetcert-bind9-'));
  let child: ChildProcess | undefined;
  const lines: string[] = [];
  const stop = memo(async () => {
    // No pid: spawn itself failed, there is nothing to stop.
    if (child?.pid !== undefined && !hasExited(child)) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(directory, { recursive: true, force: true });
  });

  try {
    const [tsig, tsigSha512] = await Promise.all([
      generateKey('hmac-sha256', 'fleetcert-sha256'),
      generateKey('hmac-sha512', 'fleetcert-sha512'),
    ]);
    const updatePolicy = renderBindUpdatePolicy({
      zone,
      keyNames: [tsig.name, tsigSha512.name],
      protectedNames: [`ns1.${zone}`],
    });
    // A random serial tells our instance apart from any other named that might answer.
    const serial = randomInt(1, 2 ** 31);
    await writeFile(
      join(directory, 'named.conf'),
      namedConf(directory, port, zone, [tsig, tsigSha512], updatePolicy),
    );
    await writeFile(join(directory, 'zone.db'), zoneFile(zone, serial, records));

    const started = spawn('named', ['-g', '-4', '-n', '1', '-c', join(directory, 'named.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = started;
    liveNamed.add(started);
    started.once('exit', () => liveNamed.delete(started));
    const outcome = await waitForNamed(started, lines, deadline);
    if (outcome === 'port-in-use') {
      await stop();
      return 'port-in-use';
    }

    const handle: Bind9Handle = {
      host: '127.0.0.1',
      port,
      pid: started.pid!,
      zone,
      tsig,
      tsigSha512,
      updatePolicy,
      directory,
      query: (name, type) => dig(port, name, type),
      log: () => lines.join('\n'),
      stop,
    };
    for (const tcp of [false, true]) {
      const soa = await dig(port, zone, 'SOA', tcp);
      if (soa.length !== 1 || soa[0].split(/\s+/)[2] !== String(serial)) {
        throw new Error(
          `named on port ${port} answered SOA ${JSON.stringify(soa)}, expected serial ${serial}`,
        );
      }
    }
    return handle;
  } catch (error) {
    await stop();
    const log = lines.slice(-30).join('\n');
    throw new Error(
      `named failed to start: ${(error as Error).message}${log ? `\n--- named log ---\n${log}` : ''}`,
      {
        cause: error,
      },
    );
  }
}

/** Resolves when named logs "running"; `'port-in-use'` when it could not bind our port. */
function waitForNamed(
  child: ChildProcess,
  lines: string[],
  deadline: number,
): Promise<'running' | 'port-in-use'> {
  return new Promise((resolve, reject) => {
    let portInUse = false;
    const timer = setTimeout(
      () => done(new Error('timed out waiting for "running"')),
      Math.max(0, deadline - Date.now()),
    );
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`named exited before it was ready (code ${code}, signal ${signal})`));
    const done = (error?: Error, outcome?: 'running' | 'port-in-use') => {
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      if (error) reject(error);
      else resolve(outcome!);
    };
    child.once('exit', onExit);
    child.once('error', (error) => done(error));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 500) lines.shift();
      // With `reuseport no`, a second named on the same port fails to create its sockets.
      if (/address in use|could not listen/i.test(line)) portInUse = true;
      if (/ running$/.test(line)) done(undefined, portInUse ? 'port-in-use' : 'running');
    });
  });
}

/** A loopback port that is free for both UDP and TCP right now. */
async function probeFreePort(): Promise<number> {
  for (;;) {
    const tcp = createServer();
    tcp.listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket('udp4');
    try {
      udp.bind(port, '127.0.0.1');
      await once(udp, 'listening');
      return port;
    } catch {
      // Taken for UDP: try another.
    } finally {
      udp.close();
      tcp.close();
      await once(tcp, 'close');
    }
  }
}

async function generateKey(algorithm: TsigAlgorithm, name: string): Promise<Bind9Key> {
  const { stdout } = await run('tsig-keygen', ['-a', algorithm, name]);
  const secret = /secret\s+"([^"]+)"/.exec(stdout)?.[1];
  if (!secret) throw new Error(`tsig-keygen printed no secret for ${name}`);
  return { name, algorithm, secret };
}

function namedConf(
  directory: string,
  port: number,
  zone: string,
  keys: Bind9Key[],
  updatePolicy: string,
): string {
  const keyClauses = keys.map((k) => `key "${k.name}" { algorithm ${k.algorithm}; secret "${k.secret}"; };`);
  return `options {
  directory "${directory}";
  pid-file "${directory}/named.pid";
  session-keyfile "${directory}/session.key";
  managed-keys-directory "${directory}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  // Without this, a second named on the same port would silently share it (SO_REUSEPORT).
  reuseport no;
  recursion no;
  dnssec-validation no;
  notify no;
  allow-transfer { none; };
};
// No rndc channel: it would read /etc/bind/rndc.key and every instance would want port 953.
controls { };
${keyClauses.join('\n')}
zone "${zone}" {
  type primary;
  file "zone.db";
${updatePolicy.replace(/^/gm, '  ')}
};
`;
}

function zoneFile(zone: string, serial: number, records: readonly string[]): string {
  return [
    `$ORIGIN ${zone}.`,
    '$TTL 60',
    `@ IN SOA ns1.${zone}. hostmaster.${zone}. ( ${serial} 3600 600 86400 60 )`,
    `@ IN NS ns1.${zone}.`,
    'ns1 IN A 127.0.0.1',
    ...records,
    '',
  ].join('\n');
}

async function dig(port: number, name: string, type: Bind9RecordType, tcp = false): Promise<string[]> {
  const args = ['@127.0.0.1', '-p', String(port), '+norec', '+time=2', '+tries=2', '+noall', '+answer'];
  if (tcp) args.push('+tcp');
  const { stdout } = await run('dig', [...args, name, type]);
  const owner = name.toLowerCase().replace(/\.$/, '');
  const values: string[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^(\S+)\s+\d+\s+IN\s+(\S+)\s+(.*)$/.exec(line.trim());
    if (!match || match[2] !== type || match[1].toLowerCase().replace(/\.$/, '') !== owner) continue;
    values.push(type === 'TXT' ? joinTxt(match[3]) : match[3]);
  }
  return values;
}

/** `"ab" "c\"d"` → `abc"d`: dig's presentation format, with `\X` and `\DDD` escapes. */
function joinTxt(rdata: string): string {
  const bytes: number[] = [];
  for (const [, quoted] of rdata.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    for (let i = 0; i < quoted.length; i++) {
      if (quoted[i] !== '\\') {
        bytes.push(...Buffer.from(quoted[i], 'utf8'));
      } else if (/^\d{3}$/.test(quoted.slice(i + 1, i + 4))) {
        bytes.push(Number(quoted.slice(i + 1, i + 4)));
        i += 3;
      } else {
        bytes.push(quoted.charCodeAt(++i));
      }
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function memo(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
