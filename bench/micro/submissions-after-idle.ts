// What a quiet spell costs the next burst of `POST /v1/certificates`: the API in-process
// (as bench/micro/csr-submission.ts), bursts of new devices' CSRs, 32 in flight, with a
// pause between the second and third burst longer than pg's own idle timeout (10 s):
//
//   node bench/run.mjs bench/micro/submissions-after-idle.ts [--pool-idle-seconds N] [--idle-seconds S]
//
// --pool-idle-seconds sets FLEETCERT_DATABASE_POOL_IDLE_SECONDS (default: the product's);
// 10 gives pg's own default, under which the pause closes the pool's connections. For each
// burst it prints wall time, latency (p50/p99/max), the API process's CPU and the CPU of
// the Postgres backends serving the database, and how many connections were open after it.
import { Client } from 'pg';
import { SETTINGS } from '@fleetcert/config';
import { enrolDevices } from '../support/bench-stack';
import { makeCsrs } from '../support/csrs';
import { PostgresBackendCpu } from '../support/dependency-cpu';
import { injectSubmission, storeAcmeAccount, withInProcessApi } from '../support/in-process-api';
import { runBenchmark } from '../support/on-interrupt';
import { percentile } from '../support/stats';

const BURST = 300;
const BURSTS = 4;
/**
 * Submissions before the first burst, off the record: the first waits up to 2 s for the CA's
 * directory (CaDirectoryView; no CA answers here), and the first few compile the code.
 */
const WARM_UP = 50;
const CONCURRENCY = 32;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1];
}

const POOL_IDLE_SECONDS = option('--pool-idle-seconds', SETTINGS.databasePoolIdleSeconds.default!);
const IDLE_SECONDS = Number(option('--idle-seconds', '12'));

async function main(): Promise<void> {
  await withInProcessApi(
    'idlebench',
    async (api) => {
      await storeAcmeAccount(api.app);
      const admin = await api.operatorKey('admin');
      const devices = await enrolDevices(
        api.url,
        admin,
        Array.from({ length: WARM_UP + BURST * BURSTS }, (_, i) => `s${i}`),
      );
      const csrs = await makeCsrs(devices.map((d) => d.hostname));
      const fastify = api.app.getHttpAdapter().getInstance();
      const database = new URL(process.env.DATABASE_URL!).pathname.slice(1);
      const pg = new Client({ connectionString: process.env.DATABASE_URL });
      await pg.connect();
      let next = 0;

      const burst = async (label: string | undefined, size = BURST) => {
        const postgres = await new PostgresBackendCpu(pg, database, 50).start();
        const latencies: number[] = [];
        const end = next + size;
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const submitUpTo = async () => {
          while (next < end) {
            const i = next++;
            const sent = performance.now();
            await injectSubmission(fastify, devices[i].token, csrs[i]);
            latencies.push(performance.now() - sent);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, submitUpTo));
        const wall = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const postgresCpu = await postgres.stop();
        if (label === undefined) return;
        // The pool's connections, the change feed's and this one.
        const { rows } = await pg.query<{ n: string }>(
          'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [database],
        );
        console.log(
          `${label.padEnd(22)} wall ${wall.toFixed(0).padStart(5)} ms; ` +
            `p50 ${percentile(latencies, 50).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, ` +
            `max ${Math.max(...latencies).toFixed(1)} ms; ` +
            `API CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ` +
            `Postgres backends CPU ${(postgresCpu * 1000).toFixed(0)} ms; ` +
            `connections open after it ${rows[0].n}`,
        );
      };

      console.log(
        `POST /v1/certificates in bursts of ${BURST}, ${CONCURRENCY} in flight; ` +
          `FLEETCERT_DATABASE_POOL_IDLE_SECONDS=${POOL_IDLE_SECONDS}, a ${IDLE_SECONDS} s pause before the third`,
      );
      try {
        await burst(undefined, WARM_UP);
        await burst('first');
        await burst('right after');
        await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
        await burst(`after ${IDLE_SECONDS} s idle`);
        await burst('right after');
      } finally {
        await pg.end();
      }
    },
    { FLEETCERT_DATABASE_POOL_IDLE_SECONDS: POOL_IDLE_SECONDS },
  );
}

runBenchmark(main);
