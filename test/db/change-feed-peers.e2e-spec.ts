import { ChangeFeed, CHANGE_CHANNEL, type ChangeSubscriber } from '../../libs/db/src/change-feed/change-feed';
import { createPgPool } from '../../libs/db/src/pg-pool';
import { waitFor } from '../support/wait-for';

/**
 * A clustered API's processes each listen on a feed of their own; a write is answered only
 * once every one of them has delivered the writer's sync marker. Two feeds on one database
 * stand for two processes here; `test/api/api-cluster.e2e-spec.ts` runs the real cluster.
 */
describe('ChangeFeed syncs across processes', () => {
  const url = process.env.DATABASE_URL!;
  const pool = createPgPool(url, { poolSize: 2 });
  const feeds: ChangeFeed[] = [];

  async function startFeed(opts: { syncTimeoutMs?: number } = {}): Promise<ChangeFeed> {
    const feed = new ChangeFeed({ databaseUrl: url, pool, reconnectDelayMs: 50, ...opts });
    feeds.push(feed);
    await feed.start();
    expect(feed.isLive).toBe(true);
    return feed;
  }

  function settled(promise: Promise<unknown>): () => boolean {
    let done = false;
    void promise.then(() => (done = true));
    return () => done;
  }

  const marker = (name: string) => `sync:test-${process.pid}-${Date.now()}-${name}`;
  const sendMarker = (payload: string) => pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, payload]);

  afterAll(async () => {
    await Promise.all(feeds.map((f) => f.stop()));
    await pool.end();
  });

  it("should wait in whenSeen until another process's marker has been delivered", async () => {
    const feed = await startFeed();
    const payload = marker('later');
    const seen = settled(feed.whenSeen(payload));
    // A marker sent after this one has come back through the same connection: ours has not been sent.
    await feed.sync();
    expect(seen()).toBe(false);

    await sendMarker(payload);
    await waitFor(async () => seen(), Boolean, { what: 'the marker to be delivered' });
  });

  it('should answer whenSeen at once for a marker delivered before the check', async () => {
    const feed = await startFeed();
    const payload = marker('earlier');
    await sendMarker(payload);
    // Everything committed before this sync, the marker included, has been delivered.
    await feed.sync();
    const seen = settled(feed.whenSeen(payload));
    await Promise.resolve();
    await Promise.resolve();
    expect(seen()).toBe(true);
  });

  it('should empty the caches and answer when the marker never comes', async () => {
    const feed = await startFeed({ syncTimeoutMs: 100 });
    const heard: string[] = [];
    const recorder: ChangeSubscriber = {
      deviceChanged: (id) => heard.push(id),
      everythingChanged: () => heard.push('*'),
    };
    feed.subscribe(recorder);
    await feed.whenSeen(marker('never'));
    expect(heard).toEqual(['*']);
  });

  it("should drop a device's entries here at once and wait for the peers to drop them", async () => {
    const feed = await startFeed();
    const heard: string[] = [];
    feed.subscribe({ deviceChanged: (id) => heard.push(id), everythingChanged: () => undefined });
    expect(await Promise.race([feed.changedEverywhere('alone'), Promise.resolve('pending')])).toBeUndefined();

    let confirm!: () => void;
    const asked: string[] = [];
    feed.usePeers({
      seenEverywhere: () => Promise.resolve(),
      changedEverywhere: (deviceId) => {
        asked.push(deviceId);
        return new Promise<void>((resolve) => (confirm = resolve));
      },
    });
    const dropped = settled(feed.changedEverywhere('device-1'));
    expect(heard).toEqual(['alone', 'device-1']);
    expect(asked).toEqual(['device-1']);
    await Promise.resolve();
    expect(dropped()).toBe(false);
    confirm();
    await waitFor(async () => dropped(), Boolean, { what: 'the drop to resolve' });
  });

  it('should not resolve a sync until the peers confirm', async () => {
    const writer = await startFeed();
    const other = await startFeed();
    let confirm!: () => void;
    const asked: string[] = [];
    writer.usePeers({
      changedEverywhere: () => Promise.resolve(),
      seenEverywhere: (payload) => {
        asked.push(payload);
        // What the primary does: ask the other process, which answers once its feed has it.
        return other.whenSeen(payload).then(() => new Promise<void>((resolve) => (confirm = resolve)));
      },
    });
    expect(writer.hasPeers).toBe(true);

    const synced = settled(writer.sync());
    await waitFor(async () => confirm !== undefined, Boolean, {
      what: "the other feed to deliver the writer's marker",
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/^sync:/);
    // The writer's own feed has delivered its marker too, yet the sync waits for the peers.
    await writer.whenSeen(asked[0]);
    expect(synced()).toBe(false);

    confirm();
    await waitFor(async () => synced(), Boolean, { what: 'the sync to resolve' });
  });
});
