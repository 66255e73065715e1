import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Client, type Notification, type Pool } from 'pg';

/** The channel the change triggers (migration `change_notifications`) announce on. */
export const CHANGE_CHANNEL = 'fleetcert_changes';

/** Payload meaning "anything may have changed" (a fleet's settings, which every device reads). */
const EVERYTHING = '*';
const SYNC_PREFIX = 'sync:';

/** What a cache needs to hear from the feed. */
export interface ChangeSubscriber {
  /** A committed change to one of this device's rows (itself, its tokens, requests, certificates). */
  deviceChanged(deviceId: string): void;
  /** Anything may have changed: a fleet changed, or the feed was lost or (re)started. */
  everythingChanged(): void;
}

export interface ChangeFeedOptions {
  databaseUrl: string;
  /** Where `sync()` sends its marker from: any connection but the listening one will do. */
  pool: Pool;
  /** First wait before listening again after the connection is lost; doubles up to 30 s. */
  reconnectDelayMs?: number;
  /** A `sync()` whose marker has not come back by then empties the caches instead. */
  syncTimeoutMs?: number;
}

/**
 * The other processes of this API (`node:cluster`), each with a feed of its own: a write is
 * answered only once all of them have heard of it too, since the writer's next request
 * may be served by any of them.
 */
export interface SyncPeers {
  /** Resolves once every other process's feed has delivered the marker `payload` (see {@link ChangeFeed.whenSeen}). */
  seenEverywhere(payload: string): Promise<void>;
  /** Resolves once every other process has dropped this device's entries (its {@link ChangeFeed.changedHere}). */
  changedEverywhere(deviceId: string): Promise<void>;
}

interface PendingSync {
  payload: string;
  waiters: (() => void)[];
  timer?: NodeJS.Timeout;
  /** The other processes' word that they have seen the marker too. */
  peersDone?: Promise<void>;
}

/** Markers of other processes remembered as seen, for a peer's check that arrives after them. */
const SEEN_MARKERS_KEPT = 4096;

/**
 * Committed changes to device rows, as Postgres announces them (LISTEN on one connection of
 * its own), passed on to the read caches of this process.
 *
 * A cache may serve entries only while the feed {@link isLive}: a notification missed while
 * the connection was down would leave a stale entry behind. So losing the connection, and
 * listening again, both tell subscribers that everything changed, and bump {@link epoch}, which
 * the caches stamp on what they store.
 */
export class ChangeFeed {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly subscribers = new Set<ChangeSubscriber>();
  private readonly syncs = new Map<string, PendingSync>();
  private client?: Client;
  private live = false;
  private epochValue = 0;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private retryDelayMs: number;
  private nextSync?: PendingSync;
  private syncCount = 0;
  private readonly syncTag = randomBytes(6).toString('hex');
  private peers?: SyncPeers;
  /** Markers delivered lately, oldest first (a Set keeps insertion order). */
  private readonly seenMarkers = new Set<string>();
  /** Peers' checks waiting for a marker this feed has not delivered yet. */
  private readonly awaitedMarkers = new Map<string, (() => void)[]>();

  constructor(private readonly opts: ChangeFeedOptions) {
    this.retryDelayMs = opts.reconnectDelayMs ?? 1000;
  }

  /** True while this process is listening: only then may caches serve what they hold. */
  get isLive(): boolean {
    return this.live;
  }

  /** Changes each time the feed is lost or starts again; an entry from another epoch is void. */
  get epoch(): number {
    return this.epochValue;
  }

  subscribe(subscriber: ChangeSubscriber): void {
    this.subscribers.add(subscriber);
  }

  /** The other processes of a clustered API, which every {@link sync} then waits for too. */
  usePeers(peers: SyncPeers): void {
    this.peers = peers;
  }

  /** True when other processes share this API's work, so that a write must reach them too. */
  get hasPeers(): boolean {
    return this.peers !== undefined;
  }

  /**
   * Resolves once this feed has delivered the marker `payload` (another process's
   * {@link sync}), and so every change committed before it. Resolves at once when the
   * feed is down (the caches serve nothing then) or the marker came already; after the
   * sync timeout it empties the caches and resolves, as a late marker of our own does.
   */
  whenSeen(payload: string): Promise<void> {
    if (!this.live || this.seenMarkers.has(payload)) return Promise.resolve();
    return new Promise((resolve) => {
      let waiters = this.awaitedMarkers.get(payload);
      if (!waiters) this.awaitedMarkers.set(payload, (waiters = []));
      const timer = setTimeout(() => {
        this.logger.warn(
          { timeoutMs: this.syncTimeoutMs },
          "a peer's sync marker did not arrive; read caches emptied",
        );
        this.broadcastEverything();
        const left = this.awaitedMarkers.get(payload)?.filter((w) => w !== done) ?? [];
        if (left.length) this.awaitedMarkers.set(payload, left);
        else this.awaitedMarkers.delete(payload);
        done();
      }, this.syncTimeoutMs);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      waiters.push(done);
    });
  }

  /**
   * Starts listening. Resolves once the first attempt is over, listening or not: the API
   * serves without caches until the feed is live, and keeps trying in the background.
   */
  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.lose();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /**
   * A change to this device's rows that this process has just committed: subscribers hear
   * of it now instead of when Postgres delivers the notification (which still comes). What
   * they read after this call includes the change.
   */
  changedHere(deviceId: string): void {
    for (const subscriber of this.subscribers) subscriber.deviceChanged(deviceId);
  }

  /**
   * {@link changedHere}, and with {@link usePeers} in every other process of the API too:
   * resolves once they have all dropped the device's entries. A device's own write needs no
   * more (it can only change that device's rows), and this costs no database round trip.
   */
  changedEverywhere(deviceId: string): Promise<void> {
    this.changedHere(deviceId);
    return this.peers ? this.peers.changedEverywhere(deviceId) : Promise.resolve();
  }

  /**
   * Resolves once every change committed before the call has reached this process's
   * subscribers: it sends a marker on the channel and waits for it to come back, which
   * Postgres delivers after everything committed before it. The API calls it after a
   * request that wrote, so that the caller's next request reads its own write. Concurrent
   * calls share one marker. With {@link usePeers}, it also waits until every other process
   * of the API has seen the marker.
   */
  sync(): Promise<void> {
    if (!this.live) return Promise.resolve();
    return new Promise((resolve) => {
      if (!this.nextSync) {
        const pending: PendingSync = {
          payload: `${SYNC_PREFIX}${this.syncTag}:${++this.syncCount}`,
          waiters: [],
        };
        this.nextSync = pending;
        // One marker for all the writes that finish in this turn of the event loop.
        setImmediate(() => this.sendSync(pending));
      }
      this.nextSync.waiters.push(resolve);
    });
  }

  private sendSync(pending: PendingSync): void {
    if (this.nextSync === pending) this.nextSync = undefined;
    if (!this.live) return this.finishSync(pending);
    this.syncs.set(pending.payload, pending);
    pending.peersDone = this.peers?.seenEverywhere(pending.payload);
    pending.timer = setTimeout(() => {
      // The marker is late: the caches can no longer be sure what they missed.
      this.logger.warn({ timeoutMs: this.syncTimeoutMs }, 'change feed sync timed out; read caches emptied');
      this.broadcastEverything();
      this.finishSync(pending);
    }, this.syncTimeoutMs);
    pending.timer.unref();
    this.opts.pool
      .query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, pending.payload])
      .catch((err: Error) => {
        // The write is committed but its notification may not have been heard: forget all.
        this.logger.warn({ err: err.message }, 'change feed sync could not be sent; read caches emptied');
        this.broadcastEverything();
        this.finishSync(pending);
      });
  }

  private finishSync(pending: PendingSync): void {
    clearTimeout(pending.timer);
    this.syncs.delete(pending.payload);
    const release = () => {
      for (const resolve of pending.waiters.splice(0)) resolve();
    };
    // The peers' wait ends on its own (a reply, or their timeout), never with an error.
    if (pending.peersDone) void pending.peersDone.then(release);
    else release();
  }

  private get syncTimeoutMs(): number {
    return this.opts.syncTimeoutMs ?? 2000;
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.opts.databaseUrl });
    client.on('notification', (message) => this.onNotification(message));
    // An error on an idle connection arrives as an event; unhandled it would end the process.
    client.on('error', (err) => this.onLost(client, err.message));
    client.on('end', () => this.onLost(client, 'connection ended'));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      this.onLost(client, (err as Error).message);
      return;
    }
    if (this.client !== client || this.stopped) return;
    this.live = true;
    this.epochValue++;
    this.retryDelayMs = this.opts.reconnectDelayMs ?? 1000;
    this.broadcastEverything();
    this.logger.log({ epoch: this.epochValue }, 'change feed live: read caches in use');
  }

  private onLost(client: Client, reason: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    const wasLive = this.live;
    this.lose();
    client.end().catch(() => undefined);
    if (this.stopped) return;
    if (wasLive) this.logger.warn({ reason }, 'change feed lost: read caches off until it is back');
    else this.logger.warn({ reason, retryInMs: this.retryDelayMs }, 'change feed could not listen');
    this.retryTimer = setTimeout(() => void this.listen(), this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 30_000);
  }

  /** Caches stop serving at once; pending syncs end (there is nothing left to read stale). */
  private lose(): void {
    if (this.live) this.epochValue++;
    this.live = false;
    this.broadcastEverything();
    if (this.nextSync) this.finishSync(this.nextSync);
    this.nextSync = undefined;
    for (const pending of [...this.syncs.values()]) this.finishSync(pending);
    for (const waiters of this.awaitedMarkers.values()) for (const done of waiters) done();
    this.awaitedMarkers.clear();
    this.seenMarkers.clear();
  }

  private onNotification(message: Notification): void {
    if (message.channel !== CHANGE_CHANNEL) return;
    const payload = message.payload ?? EVERYTHING;
    if (payload.startsWith(SYNC_PREFIX)) {
      const pending = this.syncs.get(payload);
      if (pending) this.finishSync(pending);
      this.markerSeen(payload);
      return;
    }
    if (payload === EVERYTHING) return this.broadcastEverything();
    for (const subscriber of this.subscribers) subscriber.deviceChanged(payload);
  }

  /** A marker delivered (ours or another process's): answers the checks waiting for it, and remembers it for later ones. */
  private markerSeen(payload: string): void {
    const waiters = this.awaitedMarkers.get(payload);
    if (waiters) {
      this.awaitedMarkers.delete(payload);
      for (const done of waiters) done();
    }
    this.seenMarkers.add(payload);
    if (this.seenMarkers.size > SEEN_MARKERS_KEPT) {
      this.seenMarkers.delete(this.seenMarkers.values().next().value as string);
    }
  }

  private broadcastEverything(): void {
    for (const subscriber of this.subscribers) subscriber.everythingChanged();
  }
}
