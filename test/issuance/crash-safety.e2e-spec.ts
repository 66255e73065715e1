import type { Socket } from 'node:dgram';
import Redis from 'ioredis';
import { Queue } from 'bullmq';
import { PRISMA, PrismaClient } from '@fleetcert/db';
import { ISSUANCE_QUEUE } from '@fleetcert/queue';
import {
  IssuanceStack,
  orderPresented,
  requestFinished,
  startIssuanceStack,
  submitForNewDevice,
} from '../support/issuance-stack';
import { startSilentNameserver } from '../support/silent-peers';
import { waitFor } from '../support/wait-for';

const ZONE = 'crash.fleet.test';

/**
 * Postgres is the record; the worker and Redis may die at any moment. These tests kill the
 * real worker process with SIGKILL and really delete the queue's Redis keys.
 */
describe('Crash safety', () => {
  let stack: IssuanceStack;
  let prisma: PrismaClient;
  let silentNameserver: Socket;

  beforeAll(async () => {
    stack = await startIssuanceStack({ zone: ZONE, fleet: 'crash', worker: false });
    prisma = stack.api.app.get(PRISMA);
    // A "nameserver" that never answers: a worker told to check it waits in the middle of an order.
    silentNameserver = await startSilentNameserver();
  }, 60_000);
  afterAll(async () => {
    silentNameserver?.close();
    await stack?.stop();
  });

  const submit = () => submitForNewDevice(stack);

  it('should resume the same ACME order after the worker is killed mid-order', async () => {
    const { address, port } = silentNameserver.address();
    const doomed = await stack.startWorker({
      FLEETCERT_DNS_NAMESERVERS: `${stack.bind.host}:${stack.bind.port},${address}:${port}`,
      FLEETCERT_DNS_PROPAGATION_TIMEOUT_MS: '600000',
    });
    const request = await submit();

    // Wait until the order exists at the CA and its TXT record is in the zone: mid-order.
    const midway = await orderPresented(stack, request.id);
    // The challenge is recorded as presented just before its record is written.
    await waitFor(
      () => stack.bind.query(`_acme-challenge.${request.hostname}`, 'TXT'),
      (records) => records.length === 1,
      { what: 'the TXT record to be in the zone' },
    );
    doomed.kill('SIGKILL');
    await doomed.exited;

    await stack.startWorker();
    const done = await requestFinished(stack, request);
    expect(done.status).toBe('valid');
    const after = await prisma.certificateRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(after.orderUrl).toBe(midway.orderUrl);
    // The record the killed worker left behind is gone too.
    expect(await stack.bind.query(`_acme-challenge.${request.hostname}`, 'TXT')).toEqual([]);
  });

  it('should re-enqueue unfinished requests after the queue was wiped from Redis', async () => {
    // No worker runs while work is stored and the queue is wiped: only Postgres remembers it.
    await stack.stopWorkers();
    const requests = await Promise.all([submit(), submit(), submit()]);
    const redis = new Redis(stack.api.config.redis.url);
    const queue = new Queue(ISSUANCE_QUEUE, { connection: redis, prefix: stack.env.FLEETCERT_REDIS_PREFIX });
    try {
      expect(await queue.getJob(requests[0].id)).toBeDefined();
      const keys = await redis.keys(`${stack.env.FLEETCERT_REDIS_PREFIX}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      for (const r of requests) expect(await queue.getJob(r.id)).toBeUndefined();

      await stack.startWorker();
      const results = await Promise.all(requests.map((r) => requestFinished(stack, r)));
      expect(results.map((r) => r.status)).toEqual(['valid', 'valid', 'valid']);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
