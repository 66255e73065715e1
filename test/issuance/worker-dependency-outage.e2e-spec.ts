import {
  IssuanceStack,
  requestFinished,
  startIssuanceStack,
  submitForNewDevice,
} from '../support/issuance-stack';
import { startDependencyLink, type DependencyLink } from '../support/dependency-link';
import { waitFor } from '../support/wait-for';

/**
 * The worker when Postgres or Redis goes away under it: it stays up, loses no request, and
 * issues once the dependency is back. The worker reaches the real server through a relay
 * the test cuts; the API (in this process) keeps its direct connections, so devices still
 * submit meanwhile.
 */
describe('Worker during a dependency outage', () => {
  let stack: IssuanceStack;
  const links: DependencyLink[] = [];

  beforeAll(async () => {
    stack = await startIssuanceStack({ zone: 'depdown.fleet.test', fleet: 'depdown', worker: false });
  }, 60_000);
  afterEach(async () => {
    await Promise.all(links.map((link) => link.mend()));
    await stack.stopWorkers();
    await Promise.all(links.splice(0).map((link) => link.close()));
  });
  afterAll(() => stack?.stop());

  it.each([
    ['Postgres', 'DATABASE_URL', (s: IssuanceStack) => s.api.config.database.url, 'issuance attempt failed'],
    ['Redis', 'REDIS_URL', (s: IssuanceStack) => s.api.config.redis.url, 'ECONNREFUSED'],
  ])(
    'should stay up while %s is unreachable and issue the request submitted meanwhile once it is back',
    async (_dependency, setting, urlOf, sign) => {
      const link = await startDependencyLink(urlOf(stack));
      links.push(link);
      const worker = await stack.startWorker({ [setting]: link.url });
      let exit: { code: number | null } | undefined;
      void worker.exited.then((code) => (exit = { code }));
      const logged = worker.output().length;

      await link.cut();
      const request = await submitForNewDevice(stack);
      // The worker noticed: an attempt failed for want of Postgres, or Redis refused it.
      await waitFor(
        async () => worker.output().slice(logged),
        (output) => output.includes(sign),
        { what: `the worker to log "${sign}"`, timeoutMs: 20_000 },
      );
      expect(exit).toBeUndefined();

      await link.mend();
      const done = await requestFinished(stack, request);

      expect(done.status).toBe('valid');
      expect(done.certificate).toContain('BEGIN CERTIFICATE');
      expect(exit).toBeUndefined();
    },
    90_000,
  );
});
