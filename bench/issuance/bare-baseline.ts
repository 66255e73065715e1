// The bare baseline: the same ACME DNS-01 flow as fleetcert's worker, in a minimal script
// with no database, no queue and no HTTP API — libs/acme and libs/dns called directly, with
// the account in memory. It is what an order costs when nothing else is paid for, so the
// ratio fleetcert / baseline is the price of durability (Postgres, BullMQ) and of the API.
//
// Run by bare-baseline-run.ts as its own process: `node bench/run.mjs bench/issuance/bare-baseline.ts <input.json>`.
// Prints one JSON line with per-name timings and its own CPU time (setup excluded).
import { readFileSync } from 'node:fs';
import { AcmeClientCa, dns01TxtValueOf } from '@fleetcert/acme';
import { createDnsProvider, PropagationChecker, TsigAlgorithm } from '@fleetcert/dns';
import { InMemoryAccountStore } from '../../libs/acme/src/testing/in-memory-account-store';
import { PebbleStallError, STALL_MS } from '../support/pebble-stall';
import { MachineWindow, startMachineWindow, usageSeconds } from '../support/proc';
import { mapLimit } from '../support/stats';

export interface BareBaselineInput {
  directoryUrl: string;
  caBundlePath: string;
  zone: string;
  dns: { host: string; port: number; tsig: { name: string; algorithm: TsigAlgorithm; secret: string } };
  /** Pause between propagation rounds, in ms: fleetcert's own setting, so both poll alike. */
  propagationIntervalMs: number;
  names: string[];
  csrs: string[];
  /** Issued before the clock starts, as fleetcert's warm-up is (see `--warm-up`). */
  warmUp: { names: string[]; csrs: string[] };
  concurrency: number;
}

export interface BareBaselineOutput {
  t0: number;
  results: { name: string; start: number; end: number; ok: boolean; error?: string }[];
  cpuSeconds: number;
  /** The whole machine over the row (see IssuanceResult). */
  machine: MachineWindow;
  /** Milliseconds spent and times seen per order step, on the clock only (as fleetcert's `/metrics`). */
  steps: Record<string, { ms: number; count: number }>;
}

/** Order steps, named as fleetcert's worker names them (`fleetcert_acme_order_step_seconds`). */
const steps: BareBaselineOutput['steps'] = {};
let timing = false;

async function timed<T>(step: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  if (timing) {
    const totals = (steps[step] ??= { ms: 0, count: 0 });
    totals.ms += performance.now() - started;
    totals.count++;
  }
  return result;
}

/**
 * Ends the process when no name has finished for {@link STALL_MS}: Pebble has deadlocked,
 * and the parent learns it in a minute rather than at its own timeout.
 */
function watchForStall(total: number): { finished(): void; stop(): void } {
  let done = 0;
  let progressAt = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - progressAt <= STALL_MS) return;
    process.stderr.write(`${new PebbleStallError('bare baseline', done, total).message}\n`);
    process.exit(3);
  }, 1_000);
  return {
    finished: () => {
      done++;
      progressAt = Date.now();
    },
    stop: () => clearInterval(timer),
  };
}

async function main(inputPath: string): Promise<void> {
  const input = JSON.parse(readFileSync(inputPath, 'utf8')) as BareBaselineInput;
  const watch = watchForStall(input.warmUp.names.length + input.names.length);
  const ca = new AcmeClientCa({
    directoryUrl: input.directoryUrl,
    accountStore: new InMemoryAccountStore(),
    account: { termsOfServiceAgreed: true, contact: ['mailto:ops@bench.test'] },
    caBundlePem: readFileSync(input.caBundlePath, 'utf8'),
  });
  const endpoint = `${input.dns.host}:${input.dns.port}`;
  const dns = createDnsProvider('rfc2136', {
    zone: input.zone,
    server: input.dns.host,
    port: input.dns.port,
    tsig: input.dns.tsig,
  });
  const propagation = new PropagationChecker({
    nameservers: [endpoint],
    resolver: endpoint,
    intervalMs: input.propagationIntervalMs,
  });
  // fleetcert's account already exists when its run starts; so does this one. It has
  // also issued its warm-up names, as this one does now.
  await ca.ensureAccount();
  const warmUp = input.warmUp;
  const warmedUp = await mapLimit(warmUp.names, input.concurrency, async (name, i) =>
    issue(ca, dns, propagation, input.zone, name, warmUp.csrs[i])
      .then(
        () => true,
        () => false,
      )
      .finally(watch.finished),
  );
  if (warmedUp.includes(false))
    throw new Error(`warm-up: ${warmedUp.filter((ok) => !ok).length} names failed`);

  const cpu0 = process.cpuUsage();
  const endMachineWindow = startMachineWindow();
  const t0 = Date.now();
  timing = true;
  const results = await mapLimit(input.names, input.concurrency, async (name, i) => {
    const start = Date.now();
    try {
      await issue(ca, dns, propagation, input.zone, name, input.csrs[i]);
      return { name, start, end: Date.now(), ok: true };
    } catch (err) {
      return { name, start, end: Date.now(), ok: false, error: (err as Error).message };
    } finally {
      watch.finished();
    }
  });
  const cpu = process.cpuUsage(cpu0);
  const machine = endMachineWindow();
  watch.stop();
  ca.close();
  const output: BareBaselineOutput = {
    t0,
    results,
    cpuSeconds: usageSeconds(cpu),
    machine,
    steps,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

/** Order → TXT → propagation → answer → authorization valid → finalize → download, TXT always removed. */
async function issue(
  ca: AcmeClientCa,
  dns: ReturnType<typeof createDnsProvider>,
  propagation: PropagationChecker,
  zone: string,
  name: string,
  csrPem: string,
): Promise<string> {
  const deadline = new Date(Date.now() + 600_000);
  let order = await timed('new_order', () => ca.createOrder({ identifiers: [{ type: 'dns', value: name }] }));
  for (const url of order.authorizations) {
    const authz = await ca.getAuthorization(url);
    if (authz.status === 'valid') continue;
    const challenge = authz.challenges.find((c) => c.type === 'dns-01');
    if (!challenge) throw new Error(`${name}: no dns-01 challenge`);
    const fqdn = `_acme-challenge.${authz.identifier.value}`;
    const keyAuthorization = await ca.keyAuthorization(challenge.token);
    const txt = dns01TxtValueOf(keyAuthorization);
    await timed('challenge_publish', () => dns.presentTxt(fqdn, txt));
    try {
      await timed('dns_propagation', () => propagation.waitForTxt(zone, fqdn, txt));
      await timed('ca_validation', async () => {
        await ca.answerChallenge(challenge.url, keyAuthorization);
        await ca.waitForAuthorization(url, deadline);
      });
    } finally {
      await dns.cleanUpTxt(fqdn, txt);
    }
  }
  // As the worker does: authorizations valid, so finalized at once, without a poll for `ready`.
  if (order.status === 'pending' || order.status === 'ready') {
    const authorized = order;
    order = await timed('finalize', async () => {
      const finalized = await ca.finalizeAuthorized(authorized, pemToDer(csrPem), deadline);
      return finalized.status === 'valid' ? finalized : ca.waitForOrder(finalized.url, ['valid'], deadline);
    });
  }
  if (order.status !== 'valid') order = await ca.waitForOrder(order.url, ['valid'], deadline);
  const valid = order;
  return timed('download', () => ca.downloadCertificate(valid));
}

function pemToDer(pem: string): Uint8Array {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

// This file is a program: import only its types (`import type`), never its values.
main(process.argv[2]).catch((err) => {
  process.stderr.write(`bare baseline failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
