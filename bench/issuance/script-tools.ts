import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Peers } from '../support/bench-stack';
import { loadNow } from '../support/machine';
import { summarize } from '../support/stats';
import type { IssuanceResult } from './issuance-result';
import { runXargs, XargsRun } from './xargs-run';

const exec = promisify(execFile);

/**
 * A per-name command line the way a fleet scripts it today, with the settings that make
 * each tool as fast as it can be against this CA and DNS server (stated in `settings`).
 */
export interface ScriptedTool {
  tool: 'lego' | 'certbot';
  command: string[];
  env: Record<string, string>;
  settings: string;
}

/**
 * lego 4.9.1 with its rfc2136 provider. Fastest settings: no wait before its propagation
 * check (`RFC2136_POLLING_INTERVAL=0`, default 2 s) and the check asked of BIND9 itself
 * (`--dns.resolvers`) without the walk to every authoritative server (`--dns.disable-cp`:
 * that walk queries port 53, where nothing listens here; BIND9 is the only authority
 * anyway). The account is registered once beforehand and shared through `--path`.
 */
export async function prepareLego(peers: Peers, workDir: string): Promise<ScriptedTool> {
  const { bind, pebble, zone } = peers;
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, 'lego-data');
  const env = {
    LEGO_CA_CERTIFICATES: pebble.caBundlePath,
    RFC2136_NAMESERVER: `${bind.host}:${bind.port}`,
    RFC2136_TSIG_KEY: bind.tsig.name,
    RFC2136_TSIG_ALGORITHM: `${bind.tsig.algorithm}.`,
    RFC2136_TSIG_SECRET: bind.tsig.secret,
    RFC2136_POLLING_INTERVAL: '0',
    RFC2136_PROPAGATION_TIMEOUT: '120',
    RFC2136_TTL: '60',
  };
  const command = (name: string) => [
    'lego',
    '--server',
    pebble.directoryUrl,
    '--path',
    path,
    '--email',
    'ops@bench.test',
    '--accept-tos',
    '--key-type',
    'ec256',
    '--dns',
    'rfc2136',
    '--dns.resolvers',
    `${bind.host}:${bind.port}`,
    '--dns.disable-cp',
    '-d',
    name,
    'run',
  ];
  // Registers the account (lego has no register-only command): one certificate, not counted.
  const [bin, ...args] = command(`warmup-lego.${zone}`);
  await exec(bin, args, { env: { ...process.env, ...env }, timeout: 120_000 });
  return {
    tool: 'lego',
    command: command('{}'),
    env,
    settings: 'RFC2136_POLLING_INTERVAL=0, --dns.disable-cp, shared --path',
  };
}

/**
 * certbot 2.1.0 with certbot-dns-rfc2136. Fastest settings: `--dns-rfc2136-propagation-seconds 0`
 * (default 60: a fixed sleep, certbot has no propagation check). certbot locks its
 * config/work/logs directories, so parallel runs each need their own: every run copies a
 * template holding the account registered once beforehand (`cp -a`, counted).
 */
export async function prepareCertbot(peers: Peers, workDir: string): Promise<ScriptedTool> {
  const { bind, pebble } = peers;
  mkdirSync(workDir, { recursive: true });
  const credentials = join(workDir, 'rfc2136.ini');
  writeFileSync(
    credentials,
    [
      `dns_rfc2136_server = ${bind.host}`,
      `dns_rfc2136_port = ${bind.port}`,
      `dns_rfc2136_name = ${bind.tsig.name}`,
      `dns_rfc2136_secret = ${bind.tsig.secret}`,
      `dns_rfc2136_algorithm = ${bind.tsig.algorithm.toUpperCase()}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  chmodSync(credentials, 0o600);
  const template = join(workDir, 'certbot-template');
  const runs = join(workDir, 'certbot-runs');
  mkdirSync(runs, { recursive: true });
  const env = { REQUESTS_CA_BUNDLE: pebble.caBundlePath };
  const dirs = (base: string) => [
    '--config-dir',
    `${base}/config`,
    '--work-dir',
    `${base}/work`,
    '--logs-dir',
    `${base}/logs`,
  ];
  const common = [
    '--non-interactive',
    '--agree-tos',
    '-m',
    'ops@bench.test',
    '--no-eff-email',
    '--server',
    pebble.directoryUrl,
  ];
  await exec('certbot', ['register', ...common, ...dirs(template)], {
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  const certonly = [
    'certbot',
    'certonly',
    ...common,
    ...dirs('$2'),
    '--authenticator',
    'dns-rfc2136',
    '--dns-rfc2136-credentials',
    credentials,
    '--dns-rfc2136-propagation-seconds',
    '0',
    '--key-type',
    'ecdsa',
    '-d',
    '$3',
  ];
  return {
    tool: 'certbot',
    command: [
      'sh',
      '-c',
      `cp -a "$1" "$2" && exec ${certonly.join(' ')}`,
      'sh',
      template,
      `${runs}/{}`,
      '{}',
    ],
    env,
    settings:
      '--dns-rfc2136-propagation-seconds 0, one config dir per run (copied from a registered template)',
  };
}

/**
 * CPU of the benchmark's own stamping around each run (one bash per name, and xargs),
 * measured by running `true` in place of the tool; subtracted from the tools' CPU.
 */
export async function wrapperOverheadPerName(
  workDir: string,
  names: readonly string[],
  parallel: number,
): Promise<number> {
  const run = await runXargs({
    parallel,
    names,
    command: ['true'],
    env: {},
    outDir: join(workDir, 'xargs-overhead'),
  });
  return run.cpuSeconds / names.length;
}

export async function runScriptedTool(opts: {
  tool: ScriptedTool;
  parallel: number;
  names: readonly string[];
  workDir: string;
  overheadPerName: number;
}): Promise<IssuanceResult> {
  const load = loadNow();
  const run = await runXargs({
    parallel: opts.parallel,
    names: opts.names,
    command: opts.tool.command,
    env: opts.tool.env,
    outDir: join(opts.workDir, `${opts.tool.tool}-p${opts.parallel}`),
  });
  return toResult(opts.tool, opts.parallel, run, opts.overheadPerName * opts.names.length, load);
}

function toResult(
  tool: ScriptedTool,
  parallel: number,
  run: XargsRun,
  overhead: number,
  load: string,
): IssuanceResult {
  const ok = run.results.filter((r) => r.ok);
  const failed = run.results.length - ok.length;
  const cpu = Math.max(0, run.cpuSeconds - overhead);
  return {
    tool: tool.tool,
    concurrency: parallel,
    requested: run.results.length,
    succeeded: ok.length,
    // Until the last run ended, failed or not: the operator's script is done only then.
    wallSeconds: (Math.max(...run.results.map((r) => r.end)) - run.t0) / 1000,
    latencyMs: summarize(ok.map((r) => r.end - run.t0)),
    orderMs: summarize(ok.map((r) => r.end - r.start)),
    cpuSeconds: cpu,
    cpuBreakdown: { [`${tool.tool} (all processes)`]: cpu, 'stamping overhead (subtracted)': overhead },
    load,
    notes: [
      `xargs -P ${parallel}; ${tool.settings}`,
      ...(failed ? [`${failed} runs failed: see ${run.outDir}/logs`] : []),
    ],
  };
}
