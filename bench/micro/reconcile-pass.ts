// One reconciler pass (apps/worker/src/reconciler) over N open requests whose jobs are
// alive, the worst case for its cost: every request is looked up in Redis and none needs
// enqueueing. A rate-limit storm can leave tens of thousands of a fleet's requests
// deferred (their jobs delayed), and a fleet enrolled in bulk tens of thousands waiting
// for a worker (their jobs in the wait list); every worker runs a pass each
// FLEETCERT_RECONCILE_INTERVAL_MS (60 s):
//
//   node bench/run.mjs bench/micro/reconcile-pass.ts [open requests, default 5000] [deferred|waiting]
//
// Real Postgres (a database of its own, dropped afterwards) and Redis (a key prefix of
// its own, removed afterwards). Prints the wall time, this process's CPU and the Redis
// server's CPU (`INFO cpu`, the whole server) of three passes.
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { AppConfig } from '@fleetcert/config';
import { CertificateRequestRepository, createPgPool, createPrismaClientOnPool } from '@fleetcert/db';
import { createRedisConnection, ISSUANCE_QUEUE, issueJobOptions } from '@fleetcert/queue';
import { ReconcilerService } from '../../apps/worker/src/reconciler/reconciler.service';
import { isolatedDatabase } from '../../test/support/isolated-database';
import { RedisServerCpu } from '../support/dependency-cpu';
import { usageSeconds } from '../support/proc';

const OPEN = Number(process.argv[2] ?? 5000);
const WAITING = process.argv[3] === 'waiting';
if (process.argv[3] !== undefined && !['deferred', 'waiting'].includes(process.argv[3])) {
  throw new Error(`the second argument is deferred or waiting, not ${process.argv[3]}`);
}
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOUR = 3600_000;

async function main(): Promise<void> {
  Logger.overrideLogger(false);
  const db = await isolatedDatabase('reconcilepass');
  const pool = createPgPool(db.url, { poolSize: 4 });
  const prisma = createPrismaClientOnPool(pool, undefined);
  const prefix = `fleetcert-bench-reconcile-${randomBytes(4).toString('hex')}`;
  const redis = createRedisConnection(REDIS_URL, 'worker', 'bench-reconcile');
  const queue = new Queue(ISSUANCE_QUEUE, { connection: redis, prefix });
  const config = { redis: { url: REDIS_URL, prefix }, worker: { reconcileIntervalMs: HOUR } } as AppConfig;
  const reconciler = new ReconcilerService(config, new CertificateRequestRepository(prisma, pool));
  // Its first pass, at bootstrap, runs over the empty database; the timer's next is an hour away.
  reconciler.onApplicationBootstrap();
  try {
    // N devices, each with a request last touched an hour ago: deferred for an hour (its
    // job delayed), or pending (its job waiting; no worker runs here to take it).
    const { rows } = await pool.query<{ id: string }>(
      `WITH f AS (INSERT INTO fleets (id, name, zone, "updatedAt")
                  VALUES (gen_random_uuid(), 'reconcile', 'reconcile.fleet.test', now()) RETURNING id),
            d AS (INSERT INTO devices (id, "fleetId", identifier, label, hostname, "updatedAt")
                  SELECT gen_random_uuid(), f.id, 'd' || i, 'd' || i, 'd' || i || '.reconcile.fleet.test', now()
                    FROM f, generate_series(1, $1::int) i
                  RETURNING id, hostname)
       INSERT INTO certificate_requests
              (id, "deviceId", status, identifiers, "identifierSet", "csrPem", "csrSha256",
               "publicKeySha256", "challengeType", "deferredUntil", "createdAt", "updatedAt")
       SELECT gen_random_uuid(), d.id, $2::"RequestStatus", '[]', 'dns:' || d.hostname, 'x', md5(d.id::text),
              md5(d.id::text), 'dns-01', CASE WHEN $3 THEN NULL ELSE now() + interval '1 hour' END,
              now() - interval '1 hour', now() - interval '1 hour'
         FROM d
       RETURNING id`,
      [OPEN, WAITING ? 'pending' : 'deferred', WAITING],
    );
    const delay = WAITING ? 0 : HOUR;
    for (let i = 0; i < rows.length; i += 500) {
      await queue.addBulk(
        rows
          .slice(i, i + 500)
          .map((r) => ({ name: 'issue', data: { requestId: r.id }, opts: issueJobOptions(r.id, delay) })),
      );
    }
    const redisServer = new RedisServerCpu(redis);
    for (let pass = 1; pass <= 3; pass++) {
      const cpu0 = process.cpuUsage();
      await redisServer.start();
      const t0 = performance.now();
      const requeued = await reconciler.reconcile();
      const cpu = process.cpuUsage(cpu0);
      const redisSeconds = await redisServer.stop();
      console.log(
        `pass ${pass}: ${OPEN} open requests with live ${WAITING ? 'waiting' : 'delayed'} jobs in ` +
          `${(performance.now() - t0).toFixed(0)} ms, ${(usageSeconds(cpu) * 1000).toFixed(0)} ms of CPU, ` +
          `Redis ${(redisSeconds * 1000).toFixed(0)} ms of CPU, ${requeued} enqueued again`,
      );
    }
  } finally {
    await reconciler.onApplicationShutdown();
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await prisma.$disconnect();
    await pool.end();
    await db.drop();
  }
}

void main();
