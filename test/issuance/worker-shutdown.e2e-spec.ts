import type { Socket as UdpSocket } from 'node:dgram';
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
import { SilentTcpServer, startSilentNameserver, startSilentTcpServer } from '../support/silent-peers';
import { waitFor } from '../support/wait-for';

const ZONE = 'shutdown.fleet.test';

/**
 * A worker stopped with SIGTERM while its orders wait on a peer that does not answer: it
 * must exit after its grace period (not after minutes of timeouts and retries), spend no
 * attempt, and leave every order to resume on the next worker. Real worker processes, real
 * Pebble and BIND9; the silent peers are sockets that accept and never answer.
 */
describe('Worker shutdown', () => {
  let stack: IssuanceStack;
  let prisma: PrismaClient;
  let redis: Redis;
  let queue: Queue;
  let silentCa: SilentTcpServer;
  let silentNameserver: UdpSocket;

  beforeAll(async () => {
    stack = await startIssuanceStack({ zone: ZONE, fleet: 'shutdown', worker: false });
    prisma = stack.api.app.get(PRISMA);
    redis = new Redis(stack.api.config.redis.url);
    queue = new Queue(ISSUANCE_QUEUE, { connection: redis, prefix: stack.env.FLEETCERT_REDIS_PREFIX });
    silentCa = await startSilentTcpServer();
    silentNameserver = await startSilentNameserver();
  }, 60_000);

  afterAll(async () => {
    silentCa?.close();
    silentNameserver?.close();
    await queue?.close();
    redis?.disconnect();
    await stack?.stop();
  });

  const submit = () => submitForNewDevice(stack);

  const row = (id: string) => prisma.certificateRequest.findUniqueOrThrow({ where: { id } });

  /** What a cut-off attempt must leave behind: a pending request and a due job with no attempt spent. */
  async function expectHandedBack(id: string, output: string): Promise<void> {
    expect(output).toContain('shutdown grace period over');
    expect(output).toContain('attempt cut off by shutdown; back to the queue');
    const after = await row(id);
    expect(after.status).toBe('pending');
    expect(after.completedAt).toBeNull();
    const job = await queue.getJob(id);
    expect(job).toBeDefined();
    expect(job!.attemptsMade).toBe(0);
    expect(['delayed', 'waiting']).toContain(await job!.getState());
  }

  it('should cut off an order waiting on a CA that does not answer, and hand it back', async () => {
    const worker = await stack.startWorker({
      FLEETCERT_ACME_DIRECTORY_URL: `https://127.0.0.1:${silentCa.port}/dir`,
      // Left alone, this worker would wait 4 × 5 minutes on the silent CA, plus backoff.
      FLEETCERT_ACME_TIMEOUT_MS: '300000',
      FLEETCERT_SHUTDOWN_GRACE_MS: '500',
    });
    const request = await submit();
    await waitFor(
      async () => silentCa.connections.length,
      (n) => n > 0,
      { what: 'the worker to call the CA' },
    );
    // In hand: taken up, and waiting on the CA (the worker may have called it before, at boot).
    await waitFor(
      () => row(request.id),
      (r) => r.status === 'processing',
      { what: 'the attempt to start' },
    );

    await worker.stop();
    await expectHandedBack(request.id, worker.output());

    // The next worker, with the real CA, takes the job at once and issues.
    await stack.startWorker();
    expect((await requestFinished(stack, request)).status).toBe('valid');
    await stack.stopWorkers();
  });

  it('should cut off an order waiting on DNS propagation, and resume the same order', async () => {
    const { address, port } = silentNameserver.address();
    const worker = await stack.startWorker({
      FLEETCERT_DNS_NAMESERVERS: `${stack.bind.host}:${stack.bind.port},${address}:${port}`,
      FLEETCERT_DNS_PROPAGATION_TIMEOUT_MS: '600000',
      FLEETCERT_SHUTDOWN_GRACE_MS: '500',
    });
    const request = await submit();
    const midway = await orderPresented(stack, request.id);

    await worker.stop();
    await expectHandedBack(request.id, worker.output());
    // Its challenge record was removed on the way out, as after any attempt.
    const challenges = await prisma.challenge.findMany({ where: { requestId: request.id } });
    expect(challenges.map((c) => c.status)).toEqual(['cleaned']);
    expect(await stack.bind.query(`_acme-challenge.${request.hostname}`, 'TXT')).toEqual([]);

    await stack.startWorker();
    expect((await requestFinished(stack, request)).status).toBe('valid');
    expect((await row(request.id)).orderUrl).toBe(midway.orderUrl);
  });
});
