import Redis from 'ioredis';

/**
 * Deletes every key under `prefix` (a test run's or a benchmark's own Redis prefix), a page
 * of SCAN at a time, so that nothing a run wrote stays behind in a shared Redis.
 */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
