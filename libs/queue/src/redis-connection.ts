import Redis, { RedisOptions } from 'ioredis';

/**
 * Redis connections for the two kinds of callers.
 *
 * - `producer` (the API): fail fast, so that a request made while Redis is down gets a
 *   503 at once instead of hanging; Postgres already holds the work and the reconciler
 *   enqueues it again later.
 * - `worker` (BullMQ workers): never give up on a command; BullMQ requires
 *   `maxRetriesPerRequest: null` for its blocking connections.
 */
export function createRedisConnection(url: string, role: 'producer' | 'worker', name: string): Redis {
  const common: RedisOptions = {
    connectionName: `fleetcert-${name}`,
    connectTimeout: 5000,
    // Reconnect with a capped backoff; the process keeps running while Redis is away.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5000),
  };
  const byRole: RedisOptions =
    role === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  return new Redis(url, { ...common, ...byRole });
}
