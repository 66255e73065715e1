import { Logger } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import type Redis from 'ioredis';
import type { Pool } from 'pg';
import type { AppConfig } from '@fleetcert/config';
import {
  CertificateRequestRepository,
  createPgPool,
  createPrismaClientOnPool,
  PrismaClient,
} from '@fleetcert/db';
import { ISSUANCE_QUEUE, createRedisConnection, issueJobOptions } from '@fleetcert/queue';
import { ReconcilerService } from '../../apps/worker/src/reconciler/reconciler.service';
import { isolatedDatabase } from '../support/isolated-database';
import { testConfig } from '../support/config';
import { waitFor } from '../support/wait-for';

const HOUR = 3600_000;

/**
 * The reconciler against real Postgres and Redis: which open requests it enqueues again
 * (no job, or a job that ended) and which it leaves alone (a live job, a finished request,
 * a request the API has only just stored), across more than one page of requests.
 */
describe('Reconciler', () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: Pool;
  let prisma: PrismaClient;
  let config: AppConfig;
  let redis: Redis;
  let queue: Queue;
  let reconciler: ReconcilerService;
  let fleetId: string;

  beforeAll(async () => {
    // The service logs through Nest's default logger here (no application around it).
    Logger.overrideLogger(false);
    db = await isolatedDatabase('reconciler');
    pool = createPgPool(db.url, { poolSize: 4 });
    prisma = createPrismaClientOnPool(pool, undefined);
    config = testConfig({ DATABASE_URL: db.url, FLEETCERT_RECONCILE_INTERVAL_MS: '3600000' });
    redis = createRedisConnection(config.redis.url, 'worker', 'reconciler-test');
    queue = new Queue(ISSUANCE_QUEUE, { connection: redis, prefix: config.redis.prefix });
    fleetId = (await prisma.fleet.create({ data: { name: 'reconciler', zone: 'reconciler.fleet.test' } })).id;
    reconciler = new ReconcilerService(config, new CertificateRequestRepository(prisma, pool));
    // Its first pass, at bootstrap, finds nothing yet.
    reconciler.onApplicationBootstrap();
  }, 30_000);

  afterAll(async () => {
    await reconciler?.onApplicationShutdown();
    await queue?.obliterate({ force: true });
    await queue?.close();
    redis?.disconnect();
    await prisma?.$disconnect();
    await pool?.end();
    await db?.drop();
  });

  /** `count` requests of new devices, stored with the given status and last update. */
  async function requests(
    count: number,
    status: 'pending' | 'deferred' | 'valid',
    updatedAt: Date,
    deferredUntil: Date | null = null,
  ): Promise<string[]> {
    const { rows } = await pool.query<{ id: string }>(
      `WITH d AS (
         INSERT INTO devices (id, "fleetId", identifier, label, hostname, "updatedAt")
         SELECT gen_random_uuid(), $1::uuid, l, l, l || '.reconciler.fleet.test', now()
           FROM (SELECT 'r' || substr(md5(random()::text), 1, 12) AS l FROM generate_series(1, $2::int)) g
         RETURNING id, hostname)
       INSERT INTO certificate_requests
              (id, "deviceId", status, identifiers, "identifierSet", "csrPem", "csrSha256",
               "publicKeySha256", "challengeType", "deferredUntil", "createdAt", "updatedAt")
       SELECT gen_random_uuid(), d.id, $3::"RequestStatus", '[]', 'dns:' || d.hostname, 'x',
              md5(d.id::text), md5(d.id::text), 'dns-01', $5::timestamptz AT TIME ZONE 'UTC',
              $4::timestamptz AT TIME ZONE 'UTC', $4::timestamptz AT TIME ZONE 'UTC'
         FROM d
       RETURNING id`,
      [fleetId, count, status, updatedAt, deferredUntil],
    );
    return rows.map((r) => r.id);
  }

  /** Runs `processor` on a short-lived worker until `done` holds of what `read` returns. */
  async function withWorker<T>(
    processor: (job: Job) => Promise<void>,
    read: () => Promise<T>,
    done: (value: T) => boolean,
    what: string,
  ): Promise<void> {
    const connection = createRedisConnection(config.redis.url, 'worker', 'reconciler-test-worker');
    const worker = new Worker(ISSUANCE_QUEUE, processor, { connection, prefix: config.redis.prefix });
    try {
      await waitFor(read, done, { what });
    } finally {
      await worker.close();
      connection.disconnect();
    }
  }

  /** Runs jobs of these ids once on a short-lived worker: those in `failing` fail, the rest complete. */
  async function endJobs(ids: string[], failing: Set<string>): Promise<void> {
    for (const id of ids) await queue.add('issue', { requestId: id }, { jobId: id, attempts: 1 });
    await withWorker(
      async (job) => {
        if (failing.has(job.id!)) throw new Error('gave up');
      },
      () => Promise.all(ids.map((id) => queue.getJobState(id))),
      (states) => states.every((s) => s === 'completed' || s === 'failed'),
      'the jobs to end',
    );
  }

  it('should enqueue again every open request without a live job, and nothing else', async () => {
    const anHourAgo = new Date(Date.now() - HOUR);
    const inAnHour = new Date(Date.now() + HOUR);
    // More than one page (500) of requests whose jobs Redis lost.
    const lost = await requests(520, 'pending', anHourAgo);
    const [deferredLost] = await requests(1, 'deferred', anHourAgo, inAnHour);
    const [failed, completed] = await requests(2, 'pending', anHourAgo);
    await endJobs([failed, completed], new Set([failed]));
    const [live] = await requests(1, 'deferred', anHourAgo, inAnHour);
    await queue.add('issue', { requestId: live }, issueJobOptions(live, HOUR));
    const liveJob = (await queue.getJob(live))!;
    const [finished] = await requests(1, 'valid', anHourAgo);
    const [justStored] = await requests(1, 'pending', new Date());

    const requeued = await reconciler.reconcile();

    expect(requeued).toBe(lost.length + 3);
    const states = await Promise.all(lost.map((id) => queue.getJobState(id)));
    expect(new Set(states)).toEqual(new Set(['waiting']));
    // A deferred request waits for its deferral again.
    expect(await queue.getJobState(deferredLost)).toBe('delayed');
    const delayed = (await queue.getJob(deferredLost))!;
    expect(delayed.timestamp + delayed.delay).toBeGreaterThan(inAnHour.getTime() - 60_000);
    // Jobs that ended were replaced by fresh ones.
    for (const id of [failed, completed]) {
      expect(await queue.getJobState(id)).toBe('waiting');
      expect((await queue.getJob(id))!.attemptsMade).toBe(0);
    }
    // Left alone: the live job (the same one), the finished request, the one just stored.
    expect(await queue.getJobState(live)).toBe('delayed');
    expect((await queue.getJob(live))!.timestamp).toBe(liveJob.timestamp);
    expect(await queue.getJobState(finished)).toBe('unknown');
    expect(await queue.getJobState(justStored)).toBe('unknown');

    // A second pass finds every open request with a live job.
    expect(await reconciler.reconcile()).toBe(0);
  }, 60_000);

  it('should leave alone a job that failed an attempt and waits for its retry', async () => {
    // From an empty queue: this test's worker fails every job it takes, and would take the
    // jobs other tests left waiting.
    await queue.obliterate({ force: true });
    const [retrying] = await requests(1, 'pending', new Date(Date.now() - HOUR));
    await queue.add(
      'issue',
      { requestId: retrying },
      { jobId: retrying, attempts: 2, backoff: { type: 'fixed', delay: HOUR } },
    );
    await withWorker(
      async () => {
        throw new Error('try again later');
      },
      () => queue.getJobState(retrying),
      (state) => state === 'delayed',
      'the job to wait for its retry',
    );
    const before = (await queue.getJob(retrying))!;
    expect(before.attemptsMade).toBe(1);

    // Other tests' requests may be due for a requeue by now: only this job is looked at.
    await reconciler.reconcile();

    // Enqueued again, it would be a new job: waiting, no attempt made.
    const after = (await queue.getJob(retrying))!;
    expect({ state: await queue.getJobState(retrying), attemptsMade: after.attemptsMade }).toEqual({
      state: 'delayed',
      attemptsMade: 1,
    });
  }, 30_000);
});
