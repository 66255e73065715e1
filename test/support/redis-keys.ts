import Redis from 'ioredis';

/**
 * Deletes every key under `prefix` (a test run's or a benchmark's own Redis prefix), a page
 * of SCAN at a time, so that nothing a run wrote stays behind in a shared Redis.
 */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  await withKeyPages(redisUrl, prefix, (redis, keys) => redis.del(...keys));
}

/** How many keys there are under `prefix`, counted a page of SCAN at a time. */
export async function countRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  let count = 0;
  await withKeyPages(redisUrl, prefix, (_, keys) => (count += keys.length));
  return count;
}

/** Calls `each` with every non-empty page of SCAN over the keys under `prefix`. */
async function withKeyPages(
  redisUrl: string,
  prefix: string,
  each: (redis: Redis, keys: string[]) => unknown,
): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await each(redis, keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
