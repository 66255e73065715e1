import type { ChangeFeed, ChangeSubscriber } from './change-feed';
import { DeviceReadCache } from './device-read-cache';

/** The part of ChangeFeed a cache reads, driven by hand (the real feed: test/db/change-feed). */
class FeedByHand {
  isLive = true;
  epoch = 1;
  readonly subscribers: ChangeSubscriber[] = [];
  subscribe(s: ChangeSubscriber) {
    this.subscribers.push(s);
  }
  deviceChanged(id: string) {
    for (const s of this.subscribers) s.deviceChanged(id);
  }
  restart() {
    this.epoch++;
    for (const s of this.subscribers) s.everythingChanged();
  }
}

function cacheOn(feed: FeedByHand, maxEntries = 100) {
  const lookups: string[] = [];
  const cache = new DeviceReadCache<{ n: number; nested?: { v: number } }>(feed as unknown as ChangeFeed, {
    maxEntries,
    maxBytes: 1_000_000,
    sizeOf: () => 100,
    ttlMs: 60_000,
    onLookup: (o) => lookups.push(o),
  });
  return { cache, lookups };
}

describe('DeviceReadCache', () => {
  it('should serve what was stored until one of the device rows changes', () => {
    const feed = new FeedByHand();
    const { cache, lookups } = cacheOn(feed);
    expect(cache.set('a/1', 'a', { n: 1 }, cache.ticket())).toBe(true);
    cache.set('a/2', 'a', { n: 2 }, cache.ticket());
    cache.set('b/1', 'b', { n: 3 }, cache.ticket());
    expect(cache.get('a/1')).toEqual({ n: 1 });

    feed.deviceChanged('a');
    expect(cache.get('a/1')).toBeUndefined();
    expect(cache.get('a/2')).toBeUndefined();
    expect(cache.get('b/1')).toEqual({ n: 3 });
    expect(lookups).toEqual(['hit', 'miss', 'miss', 'hit']);
  });

  it('should refuse a row read before a change to its device that arrived during the read', () => {
    const feed = new FeedByHand();
    const { cache } = cacheOn(feed);
    const ticket = cache.ticket();
    feed.deviceChanged('a'); // committed while the row was being read
    expect(cache.set('a/1', 'a', { n: 1 }, ticket)).toBe(false);
    expect(cache.get('a/1')).toBeUndefined();
    // Another device's change does not void the ticket of this one.
    const later = cache.ticket();
    feed.deviceChanged('b');
    expect(cache.set('a/1', 'a', { n: 1 }, later)).toBe(true);
  });

  it('should serve nothing while the feed is down, and nothing stored before it came back', () => {
    const feed = new FeedByHand();
    const { cache } = cacheOn(feed);
    const ticket = cache.ticket();
    cache.set('a/1', 'a', { n: 1 }, ticket);
    feed.isLive = false;
    expect(cache.get('a/1')).toBeUndefined();
    expect(cache.set('a/2', 'a', { n: 2 }, cache.ticket())).toBe(false);

    feed.isLive = true;
    feed.restart();
    expect(cache.get('a/1')).toBeUndefined();
    expect(cache.set('a/3', 'a', { n: 3 }, ticket)).toBe(false);
    expect(cache.set('a/3', 'a', { n: 3 }, cache.ticket())).toBe(true);
  });

  it('should void tickets in flight when it forgets the invalidations they would need', () => {
    const feed = new FeedByHand();
    const { cache } = cacheOn(feed);
    const ticket = cache.ticket();
    for (let i = 0; i < 10_001; i++) feed.deviceChanged(`other-${i}`);
    expect(cache.set('a/1', 'a', { n: 1 }, ticket)).toBe(false);
    expect(cache.set('a/1', 'a', { n: 1 }, cache.ticket())).toBe(true);
  });

  it('should freeze what it stores, since every request shares it', () => {
    const feed = new FeedByHand();
    const { cache } = cacheOn(feed);
    const value = { n: 1, nested: { v: 2 } };
    cache.set('a/1', 'a', value, cache.ticket());
    expect(Object.isFrozen(cache.get('a/1'))).toBe(true);
    expect(Object.isFrozen(cache.get('a/1')!.nested)).toBe(true);
  });

  it('should hold at most maxEntries, and forget evicted keys in its device index', () => {
    const feed = new FeedByHand();
    const { cache } = cacheOn(feed, 2);
    cache.set('a/1', 'a', { n: 1 }, cache.ticket());
    cache.set('b/1', 'b', { n: 2 }, cache.ticket());
    cache.set('c/1', 'c', { n: 3 }, cache.ticket());
    expect(cache.size).toBe(2);
    expect(cache.get('a/1')).toBeUndefined();
    feed.deviceChanged('b');
    expect(cache.size).toBe(1);
  });

  it('should hold no more than maxBytes of estimated size', () => {
    const feed = new FeedByHand();
    const cache = new DeviceReadCache<{ text: string }>(feed as unknown as ChangeFeed, {
      maxEntries: 100,
      maxBytes: 1000,
      sizeOf: (v) => v.text.length,
      ttlMs: 60_000,
    });
    for (let i = 0; i < 10; i++) cache.set(`d${i}/1`, `d${i}`, { text: 'x'.repeat(300) }, cache.ticket());
    expect(cache.size).toBe(3);
    expect(cache.get('d9/1')).toBeDefined();
  });

  it('should store and serve nothing when turned off', () => {
    const feed = new FeedByHand();
    const { cache } = cacheOn(feed, 0);
    expect(cache.enabled).toBe(false);
    expect(cache.set('a/1', 'a', { n: 1 }, cache.ticket())).toBe(false);
    expect(cache.get('a/1')).toBeUndefined();
    expect(feed.subscribers).toHaveLength(0);
  });
});
