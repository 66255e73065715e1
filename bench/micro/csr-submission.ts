// CPU and allocation per `POST /v1/certificates` (a new device's first CSR), through the
// whole API in-process: Fastify, Nest's router, pipes and guards, the device-token
// strategy, the CSR check (on its thread), the group-committed statement and the job add,
// with real Postgres and Redis behind them:
//
//   node bench/run.mjs bench/micro/csr-submission.ts [submissions per round] [--sites]
//
// Requests go through Fastify's `inject` (no sockets, logs off), 32 in flight, as in the
// API benchmark's closed loop. CPU is the process's (every thread: the check thread's too),
// not Postgres's or Redis's. Allocation comes from V8's sampling heap profiler with
// collected objects kept: what a submission allocates, garbage included, which is what
// decides how often the collector runs (BENCHMARKS.md, ninth pass). `--sites` lists where.
import { generateKeyPairSync } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { SecretBox } from '@fleetcert/crypto';
import { AcmeAccountRepository, PRISMA, PrismaClient } from '@fleetcert/db';
import { enrolDevices } from '../support/bench-stack';
import { makeCsrs } from '../support/csrs';
import { withInProcessApi } from '../support/in-process-api';

const PER_ROUND = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2_000);
const SHOW_SITES = process.argv.includes('--sites');
const WARM_UP = 500;
const ROUNDS = 3;
const CONCURRENCY = 32;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

async function main(): Promise<void> {
  await withInProcessApi('submitbench', async (api) => {
    await storeAcmeAccount(api.app);
    const total = WARM_UP + ROUNDS * PER_ROUND;
    const admin = await api.operatorKey('admin');
    const devices = await enrolDevices(
      api.url,
      admin,
      Array.from({ length: total }, (_, i) => `s${i}`),
    );
    const csrs = await makeCsrs(devices.map((d) => d.hostname));
    const fastify = api.app.getHttpAdapter().getInstance();
    let next = 0;
    const submitUpTo = async (end: number) => {
      while (next < end) {
        const i = next++;
        const res = await fastify.inject({
          method: 'POST',
          url: '/v1/certificates',
          headers: { authorization: `Bearer ${devices[i].token}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ csr: csrs[i] }),
        });
        if (res.statusCode !== 202) throw new Error(`submission answered ${res.statusCode}: ${res.body}`);
      }
    };
    const submit = (count: number) => {
      const end = next + count;
      return Promise.all(Array.from({ length: CONCURRENCY }, () => submitUpTo(end)));
    };

    await submit(WARM_UP);
    const session = new Session();
    session.connect();
    console.log(`POST /v1/certificates, ${PER_ROUND} new devices' CSRs a round, ${CONCURRENCY} in flight`);
    for (let round = 1; round <= ROUNDS; round++) {
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as never);
      const start = process.cpuUsage();
      await submit(PER_ROUND);
      const used = process.cpuUsage(start);
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
        profile: { head: ProfileNode };
      };
      const sites = allocationSites(profile.head);
      const bytes = [...sites.values()].reduce((a, b) => a + b, 0);
      console.log(
        `round ${round}: ${((used.user + used.system) / PER_ROUND).toFixed(0)} µs CPU, ` +
          `${(bytes / PER_ROUND / 1024).toFixed(1)} KiB allocated per submission`,
      );
      if (SHOW_SITES && round === ROUNDS) {
        for (const [site, size] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
          console.log(`  ${(size / PER_ROUND / 1024).toFixed(2).padStart(6)} KiB  ${site}`);
        }
      }
    }
    session.disconnect();
  });
}

/**
 * An ACME account row, as the worker leaves after its first order: without one, the API
 * looks for it on every submission (to refuse a CSR for the account's own key), which a
 * running fleet never does.
 */
async function storeAcmeAccount(app: { get<T>(token: unknown): T }): Promise<void> {
  const { directoryUrl } = app.get<AppConfig>(APP_CONFIG).acme;
  const box = app.get<SecretBox>(SecretBox);
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  await new AcmeAccountRepository(app.get<PrismaClient>(PRISMA)).createIfAbsent({
    directoryUrl,
    keyCiphertext: box.seal(key, directoryUrl),
    keyId: box.primaryKeyId,
    contact: [],
  });
}

/** Bytes allocated by function (self), across the profile's tree. */
function allocationSites(head: ProfileNode): Map<string, number> {
  const sites = new Map<string, number>();
  const walk = (node: ProfileNode) => {
    if (node.selfSize > 0) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url.replace(/.*node_modules\//, '').replace(`${process.cwd()}/`, '');
      const site = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    node.children.forEach(walk);
  };
  walk(head);
  return sites;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
