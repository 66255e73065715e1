import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { deleteRedisKeys } from './redis-keys';

// The clean-up every test run, benchmark and micro-benchmark does of its own Redis prefix,
// against the real Redis: more keys than one SCAN page, and nothing outside the prefix.

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('deleteRedisKeys', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = `fleetcert-test-keys-${randomBytes(4).toString('hex')}`;
  const neighbour = `${prefix.replace('keys', 'other')}:kept`;

  afterAll(async () => {
    await redis.del(neighbour);
    redis.disconnect();
  });

  it('deletes every key under the prefix and none outside it', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2500; i++) pipeline.set(`${prefix}:k${i}`, '1');
    pipeline.hset(`${prefix}:hash`, 'f', 'v');
    pipeline.set(neighbour, '1');
    await pipeline.exec();

    await deleteRedisKeys(REDIS_URL, prefix);

    const [, left] = await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 100_000);
    expect(left).toEqual([]);
    expect(await redis.get(neighbour)).toBe('1');
  });
});
