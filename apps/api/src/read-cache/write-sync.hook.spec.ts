import Fastify from 'fastify';
import type { ChangeFeed } from '@fleetcert/db';
import { syncWritesBeforeAnswering, WRITES_ONLY_NEW_ROWS } from './write-sync.hook';

/** A feed that records what the hook asks of it; `sync` resolves when the test says so. */
function feedByHand() {
  const calls: string[] = [];
  let release: () => void = () => undefined;
  const feed = {
    isLive: true,
    hasPeers: false,
    changedHere: (id: string) => calls.push(`changedHere:${id}`),
    changedEverywhere: (id: string) => {
      calls.push(`changedEverywhere:${id}`);
      return new Promise<void>((resolve) => (release = resolve));
    },
    sync: () => {
      calls.push('sync');
      return new Promise<void>((resolve) => (release = resolve));
    },
  };
  return { feed, calls, release: () => release() };
}

async function appWith(feed: object, user?: object) {
  const app = Fastify();
  app.addHook('preHandler', (request, _reply, done) => {
    (request as unknown as { user?: object }).user = user;
    done();
  });
  syncWritesBeforeAnswering(app, feed as ChangeFeed);
  app.post('/write', async () => ({ ok: true }));
  app.post('/insert', { config: { [WRITES_ONLY_NEW_ROWS]: true } }, async () => ({ ok: true }));
  app.post('/refused', async (_req, reply) => reply.status(422).send({ ok: false }));
  app.get('/read', async () => ({ ok: true }));
  await app.ready();
  return app;
}

describe('syncWritesBeforeAnswering', () => {
  it("should drop a device's own entries at once after its write, with no round trip", async () => {
    const { feed, calls } = feedByHand();
    const app = await appWith(feed, { kind: 'device', device: { id: 'dev-1' } });
    expect((await app.inject({ method: 'POST', url: '/write' })).statusCode).toBe(200);
    expect(calls).toEqual(['changedHere:dev-1']);
  });

  it("should hold an operator's answer until the caches have heard of everything committed", async () => {
    const { feed, calls, release } = feedByHand();
    const app = await appWith(feed, { kind: 'operator' });
    let answered = false;
    const response = app.inject({ method: 'POST', url: '/write' }).then((r) => ((answered = true), r));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['sync']);
    expect(answered).toBe(false);
    release();
    expect((await response).statusCode).toBe(200);
  });

  it("should hold a device's answer in a clustered API until every process has dropped its entries", async () => {
    const { feed, calls, release } = feedByHand();
    feed.hasPeers = true;
    const app = await appWith(feed, { kind: 'device', device: { id: 'dev-1' } });
    let answered = false;
    const response = app.inject({ method: 'POST', url: '/write' }).then((r) => ((answered = true), r));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['changedEverywhere:dev-1']);
    expect(answered).toBe(false);
    release();
    expect((await response).statusCode).toBe(200);
  });

  it('should answer a write that only inserted new rows at once, asking no process to drop anything', async () => {
    for (const hasPeers of [false, true]) {
      const { feed, calls } = feedByHand();
      feed.hasPeers = hasPeers;
      const app = await appWith(feed, { kind: 'device', device: { id: 'dev-1' } });
      expect((await app.inject({ method: 'POST', url: '/insert' })).statusCode).toBe(200);
      expect(calls).toEqual([]);
      // The same device's other writes still drop its entries.
      void app.inject({ method: 'POST', url: '/write' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).toEqual([hasPeers ? 'changedEverywhere:dev-1' : 'changedHere:dev-1']);
    }
  });

  it('should leave reads, failed writes and a feed that is down alone', async () => {
    const { feed, calls } = feedByHand();
    const app = await appWith(feed, { kind: 'operator' });
    expect((await app.inject({ method: 'GET', url: '/read' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/refused' })).statusCode).toBe(422);
    feed.isLive = false;
    expect((await app.inject({ method: 'POST', url: '/write' })).statusCode).toBe(200);
    expect(calls).toEqual([]);
  });
});
