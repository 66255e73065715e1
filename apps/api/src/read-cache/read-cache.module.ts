import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { ChangeFeed, DeviceReadCache, PG_POOL } from '@fleetcert/db';
import { Metrics } from '@fleetcert/observability';
import { CLUSTER_PEER } from '../cluster/cluster.module';
import type { ClusterPeer } from '../cluster/cluster-peer';
import { CHANGE_FEED, DEVICE_AUTH_CACHE, DEVICE_REQUEST_CACHE, type CachedRequestBody } from './read-caches';

/** Listens while the API runs, when the caches are on at all. */
@Injectable()
class ChangeFeedLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(CHANGE_FEED) private readonly feed: ChangeFeed,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.readCache.entries > 0) await this.feed.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.feed.stop();
  }
}

/**
 * Estimated bytes of an entry: a device with its fleet is about 2 KiB of objects; a request
 * is its JSON body (one byte a character; the certificate chain is most of it) and a little
 * besides.
 */
const SIZE_OF = {
  device_auth: () => 2048,
  device_request: (r: CachedRequestBody) => 256 + r.json.length,
};

function readCache<K extends keyof typeof SIZE_OF>(name: K) {
  return {
    inject: [CHANGE_FEED, APP_CONFIG, Metrics],
    useFactory: (feed: ChangeFeed, config: AppConfig, metrics: Metrics) => {
      const hits = metrics.readCacheLookups.labels({ cache: name, outcome: 'hit' });
      const misses = metrics.readCacheLookups.labels({ cache: name, outcome: 'miss' });
      return new DeviceReadCache(feed, {
        maxEntries: config.readCache.entries,
        maxBytes: config.readCache.maxBytes,
        sizeOf: SIZE_OF[name] as (value: object) => number,
        ttlMs: config.readCache.ttlMs,
        onLookup: (outcome) => (outcome === 'hit' ? hits : misses).inc(),
      });
    },
  };
}

/**
 * The API's read caches of device rows, kept exact by Postgres change notifications
 * (`ChangeFeed`): the authenticated device tokens behind every device request, and the
 * requests devices poll with `GET /v1/certificates/{id}`. See README, "Read caches".
 */
@Global()
@Module({
  providers: [
    {
      provide: CHANGE_FEED,
      inject: [APP_CONFIG, PG_POOL, CLUSTER_PEER],
      useFactory: (config: AppConfig, pool: Pool, peer: ClusterPeer | null) => {
        const feed = new ChangeFeed({ databaseUrl: config.database.url, pool });
        peer?.joinSyncs(feed);
        return feed;
      },
    },
    ChangeFeedLifecycle,
    { provide: DEVICE_AUTH_CACHE, ...readCache('device_auth') },
    { provide: DEVICE_REQUEST_CACHE, ...readCache('device_request') },
  ],
  exports: [CHANGE_FEED, DEVICE_AUTH_CACHE, DEVICE_REQUEST_CACHE],
})
export class ReadCacheModule {}
