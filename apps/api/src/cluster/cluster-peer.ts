import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { ChangeFeed, SyncPeers } from '@fleetcert/db';
import { type ClusterAnswer, type ClusterMessage, isClusterMessage } from './cluster-messages';

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
  /** Questions to the primary awaiting its answer, by request number. */
  private readonly asked = new Map<number, (answer: ClusterAnswer | undefined) => void>();
  private feed?: ChangeFeed;
  /** Devices changed in this turn of the event loop: one question for all of them. */
  private nextDrop?: { deviceIds: Set<string>; dropped: Promise<void> };

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

  async seenEverywhere(payload: string): Promise<void> {
    await this.ask((request) => ({ fleetcert: 'sync', request, payload }));
  }

  changedEverywhere(deviceId: string): Promise<void> {
    if (!this.nextDrop) {
      const deviceIds = new Set<string>();
      const dropped = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => {
          this.nextDrop = undefined;
          return this.ask((request) => ({
            fleetcert: 'devices-changed',
            request,
            deviceIds: [...deviceIds],
          }));
        })
        .then(() => undefined);
      this.nextDrop = { deviceIds, dropped };
    }
    this.nextDrop.deviceIds.add(deviceId);
    return this.nextDrop.dropped;
  }

  /** The metrics of every worker of the API, summed (counters, histograms) or as documented per metric. */
  async clusterMetrics(): Promise<string> {
    const answer = await this.ask((request) => ({ fleetcert: 'metrics', request }));
    if (answer?.fleetcert === 'metrics-result' && answer.text !== undefined) return answer.text;
    throw new Error(
      answer?.fleetcert === 'metrics-result'
        ? (answer.error ?? 'no metrics')
        : 'the primary process did not answer with the metrics',
    );
  }

  /**
   * Puts a question to the primary; resolves with its answer, or with nothing after
   * {@link PRIMARY_TIMEOUT_MS}. The primary answers even when another worker is stuck (its
   * own timeout): this one only covers a primary that is gone, and then no other worker
   * serves anyway.
   */
  private ask(question: (request: number) => ClusterMessage): Promise<ClusterAnswer | undefined> {
    const request = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), PRIMARY_TIMEOUT_MS);
      timer.unref();
      const settle = (answer: ClusterAnswer | undefined) => {
        clearTimeout(timer);
        this.asked.delete(request);
        resolve(answer);
      };
      this.asked.set(request, settle);
      this.send(question(request));
    });
  }

  private receive(message: ClusterMessage): void {
    switch (message.fleetcert) {
      case 'synced':
      case 'devices-dropped':
      case 'metrics-result':
        return this.asked.get(message.request)?.(message);
      case 'sync-check': {
        const seen = this.feed ? this.feed.whenSeen(message.payload) : Promise.resolve();
        void seen.then(() => this.send({ fleetcert: 'sync-seen', check: message.check }));
        return;
      }
      case 'drop-devices':
        for (const deviceId of message.deviceIds) this.feed?.changedHere(deviceId);
        this.send({ fleetcert: 'devices-dropped-here', check: message.check });
        return;
    }
  }
}

let thisProcess: ClusterPeer | undefined;
