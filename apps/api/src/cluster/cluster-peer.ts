import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { ChangeFeed, SyncPeers } from '@fleetcert/db';
import { type ClusterMessage, isClusterMessage } from './cluster-messages';

/** How long a worker waits for the primary's answer before it gives up (metrics) or goes on (sync). */
const PRIMARY_TIMEOUT_MS = 10_000;

/**
 * A worker's side of a clustered API (`FLEETCERT_API_PROCESSES` > 1): it asks the primary
 * to make every other worker confirm a sync marker, or drop a device's entries (read your
 * writes across processes), does the same when the primary asks, and gets the metrics of
 * all workers summed.
 */
export class ClusterPeer implements SyncPeers {
  private nextRequest = 0;
  private readonly syncs = new Map<string, { resolve: () => void; timer: NodeJS.Timeout }>();
  private readonly metricRequests = new Map<number, (result: { text?: string; error?: string }) => void>();
  private feed?: ChangeFeed;
  /** Devices changed in this turn of the event loop: one message for all of them. */
  private nextDrop?: { deviceIds: Set<string>; waiters: (() => void)[] };
  private readonly drops = new Map<number, { waiters: (() => void)[]; timer: NodeJS.Timeout }>();

  /** The peer of this process when it is a worker of a clustered API; otherwise none. */
  static ofThisProcess(): ClusterPeer | undefined {
    if (!cluster.isWorker) return undefined;
    thisProcess ??= new ClusterPeer((message) => process.send!(message));
    return thisProcess;
  }

  constructor(private readonly send: (message: ClusterMessage) => void) {
    process.on('message', (message: unknown) => {
      if (isClusterMessage(message)) this.receive(message);
    });
  }

  /** Hands this process's metrics to the primary when it collects them (prom-client's cluster protocol). */
  shareMetrics(registry: Registry): void {
    AggregatorRegistry.setRegistries([registry]);
    // Constructed for its side effect: it installs prom-client's listener in this worker.
    new AggregatorRegistry();
  }

  /** Answers the primary's sync checks from `feed`, and makes `feed`'s own syncs wait for the other workers. */
  joinSyncs(feed: ChangeFeed): void {
    this.feed = feed;
    feed.usePeers(this);
  }

  seenEverywhere(payload: string): Promise<void> {
    return new Promise((resolve) => {
      // The primary answers even when a peer is stuck (its own timeout): this one only
      // covers a primary that is gone, and then no other worker serves anyway.
      const timer = setTimeout(() => this.settleSync(payload), PRIMARY_TIMEOUT_MS);
      timer.unref();
      this.syncs.set(payload, { resolve, timer });
      this.send({ fleetcert: 'sync', payload });
    });
  }

  changedEverywhere(deviceId: string): Promise<void> {
    return new Promise((resolve) => {
      if (!this.nextDrop) {
        const drop = { deviceIds: new Set<string>(), waiters: [] as (() => void)[] };
        this.nextDrop = drop;
        setImmediate(() => this.sendDrop(drop));
      }
      this.nextDrop.deviceIds.add(deviceId);
      this.nextDrop.waiters.push(resolve);
    });
  }

  private sendDrop(drop: { deviceIds: Set<string>; waiters: (() => void)[] }): void {
    if (this.nextDrop === drop) this.nextDrop = undefined;
    const batch = this.nextRequest++;
    const timer = setTimeout(() => this.settleDrop(batch), PRIMARY_TIMEOUT_MS);
    timer.unref();
    this.drops.set(batch, { waiters: drop.waiters, timer });
    this.send({ fleetcert: 'devices-changed', batch, deviceIds: [...drop.deviceIds] });
  }

  private settleDrop(batch: number): void {
    const pending = this.drops.get(batch);
    if (!pending) return;
    this.drops.delete(batch);
    clearTimeout(pending.timer);
    for (const resolve of pending.waiters) resolve();
  }

  /** The metrics of every worker of the API, summed (counters, histograms) or as documented per metric. */
  clusterMetrics(): Promise<string> {
    const request = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.metricRequests.delete(request);
        reject(new Error('the primary process did not answer with the metrics'));
      }, PRIMARY_TIMEOUT_MS);
      timer.unref();
      this.metricRequests.set(request, ({ text, error }) => {
        clearTimeout(timer);
        if (text !== undefined) resolve(text);
        else reject(new Error(error ?? 'no metrics'));
      });
      this.send({ fleetcert: 'metrics', request });
    });
  }

  private receive(message: ClusterMessage): void {
    switch (message.fleetcert) {
      case 'synced':
        return this.settleSync(message.payload);
      case 'sync-check': {
        const seen = this.feed ? this.feed.whenSeen(message.payload) : Promise.resolve();
        void seen.then(() => this.send({ fleetcert: 'sync-seen', check: message.check }));
        return;
      }
      case 'drop-devices':
        for (const deviceId of message.deviceIds) this.feed?.changedHere(deviceId);
        this.send({ fleetcert: 'devices-dropped-here', check: message.check });
        return;
      case 'devices-dropped':
        return this.settleDrop(message.batch);
      case 'metrics-result': {
        const answer = this.metricRequests.get(message.request);
        this.metricRequests.delete(message.request);
        answer?.(message);
        return;
      }
    }
  }

  private settleSync(payload: string): void {
    const pending = this.syncs.get(payload);
    if (!pending) return;
    this.syncs.delete(payload);
    clearTimeout(pending.timer);
    pending.resolve();
  }
}

let thisProcess: ClusterPeer | undefined;
