import {
  IssuanceStack,
  requestFinished,
  startIssuanceStack,
  submitForNewDevice,
} from '../support/issuance-stack';
import { startPostgresLink, type PostgresLink } from '../support/postgres-link';
import { waitFor } from '../support/wait-for';
import type { WorkerProcess } from '../support/worker-process';

/**
 * The worker when Postgres goes away under it: it stays up, loses no request, and issues
 * once the database is back. The worker reaches the real Postgres through a relay the test
 * cuts; the API (in this process) keeps its direct connection, so devices still submit.
 */
describe('Worker during a Postgres outage', () => {
  let stack: IssuanceStack;
  let link: PostgresLink;
  let worker: WorkerProcess;
  /** The worker's exit code, once it has exited. */
  let workerExit: { code: number | null } | undefined;

  beforeAll(async () => {
    stack = await startIssuanceStack({ zone: 'pgdown.fleet.test', fleet: 'pgdown', worker: false });
    link = await startPostgresLink(stack.env.DATABASE_URL!);
    worker = await stack.startWorker({ DATABASE_URL: link.url });
    void worker.exited.then((code) => (workerExit = { code }));
  }, 60_000);
  afterAll(async () => {
    await link?.mend();
    await stack?.stop();
    await link?.close();
  });

  it('should stay up while Postgres is unreachable and issue the waiting request once it is back', async () => {
    await link.cut();
    const request = await submitForNewDevice(stack);

    // The worker took the job and could not run it: an attempt failed for want of Postgres.
    await waitFor(
      async () => worker.output(),
      (output) => output.includes('issuance attempt failed') && output.includes(request.id),
      { what: "the worker's failed attempt on the request", timeoutMs: 20_000 },
    );
    expect(workerExit).toBeUndefined();

    await link.mend();
    const done = await requestFinished(stack, request);

    expect(done.status).toBe('valid');
    expect(done.certificate).toContain('BEGIN CERTIFICATE');
    expect(workerExit).toBeUndefined();
  }, 90_000);
});
