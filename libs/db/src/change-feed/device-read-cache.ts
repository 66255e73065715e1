import { LRUCache } from 'lru-cache';
import type { ChangeFeed, ChangeSubscriber } from './change-feed';

export interface DeviceReadCacheOptions<V> {
  /** Most entries held; 0 turns the cache off (every lookup misses, nothing is stored). */
  maxEntries: number;
  /**
   * Longest an entry is served. Invalidation does not rely on it (the change feed does
   * that); it bounds the damage of a change made behind the triggers' back.
   */
  ttlMs: number;
  /** Memory the entries may take, as estimated by {@link sizeOf}. */
  maxBytes: number;
  /** An estimate of an entry's bytes in memory (its strings dominate). */
  sizeOf: (value: V) => number;
  /** Called on every lookup, e.g. to count hits and misses. */
  onLookup?: (outcome: 'hit' | 'miss') => void;
}

/** Taken before a read from Postgres; the result may be stored only if it is still current. */
export interface ReadTicket {
  readonly seq: number;
  readonly epoch: number;
}

interface Entry<V> {
  deviceId: string;
  epoch: number;
  value: V;
}

/** Invalidations remembered for tickets in flight; past this, all tickets in flight are void. */
const MAX_REMEMBERED_INVALIDATIONS = 10_000;

/**
 * Rows read for a device, kept in memory and dropped the moment the change feed says one
 * of the device's rows changed.
 *
 * A read and a change can cross: the row is read, the change commits, the notification
 * arrives, and only then would the old row be stored. So a reader takes a {@link ticket}
 * before it reads, and {@link set} refuses the row if its device changed (or the feed
 * restarted) after the ticket was taken.
 */
export class DeviceReadCache<V extends object> implements ChangeSubscriber {
  private readonly entries?: LRUCache<string, Entry<V>>;
  private readonly keysByDevice = new Map<string, Set<string>>();
  /** Sequence number of the last invalidation, by device. */
  private readonly invalidatedAt = new Map<string, number>();
  private seq = 0;
  /** Tickets older than this are void: the invalidations they would need were forgotten. */
  private floor = 0;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly opts: DeviceReadCacheOptions<V>,
  ) {
    if (opts.maxEntries <= 0) return;
    this.entries = new LRUCache<string, Entry<V>>({
      max: opts.maxEntries,
      maxSize: opts.maxBytes,
      sizeCalculation: (entry) => Math.max(1, opts.sizeOf(entry.value)),
      ttl: opts.ttlMs,
      dispose: (entry, key) => this.unindex(entry.deviceId, key),
    });
    feed.subscribe(this);
  }

  get enabled(): boolean {
    return this.entries !== undefined;
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** The entry, if the feed is live and the entry was stored in the feed's current epoch. */
  get(key: string): V | undefined {
    if (!this.entries) return undefined;
    const entry = this.feed.isLive ? this.entries.get(key) : undefined;
    const value = entry && entry.epoch === this.feed.epoch ? entry.value : undefined;
    this.opts.onLookup?.(value ? 'hit' : 'miss');
    return value;
  }

  ticket(): ReadTicket {
    return { seq: this.seq, epoch: this.feed.epoch };
  }

  /**
   * Stores `value`, read for `deviceId` after `ticket` was taken, unless something of the
   * device's changed since. The value is frozen: callers share it.
   * @returns whether it was stored
   */
  set(key: string, deviceId: string, value: V, ticket: ReadTicket): boolean {
    if (!this.entries || !this.feed.isLive) return false;
    if (ticket.epoch !== this.feed.epoch || ticket.seq < this.floor) return false;
    if ((this.invalidatedAt.get(deviceId) ?? -1) > ticket.seq) return false;
    this.entries.set(key, { deviceId, epoch: ticket.epoch, value: deepFreeze(value) });
    let keys = this.keysByDevice.get(deviceId);
    if (!keys) this.keysByDevice.set(deviceId, (keys = new Set()));
    keys.add(key);
    return true;
  }

  deviceChanged(deviceId: string): void {
    if (!this.entries) return;
    this.seq++;
    if (this.invalidatedAt.size >= MAX_REMEMBERED_INVALIDATIONS) {
      this.invalidatedAt.clear();
      this.floor = this.seq;
    }
    this.invalidatedAt.set(deviceId, this.seq);
    const keys = this.keysByDevice.get(deviceId);
    if (!keys) return;
    this.keysByDevice.delete(deviceId);
    for (const key of keys) this.entries.delete(key);
  }

  everythingChanged(): void {
    if (!this.entries) return;
    this.seq++;
    this.floor = this.seq;
    this.invalidatedAt.clear();
    this.keysByDevice.clear();
    this.entries.clear();
  }

  private unindex(deviceId: string, key: string): void {
    const keys = this.keysByDevice.get(deviceId);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.keysByDevice.delete(deviceId);
  }
}

/** Freezes what a cached value reaches (plain objects and arrays; Dates and Buffers stay as they are). */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (value instanceof Date || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}
