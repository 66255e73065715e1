import { startTestApi, type TestApi } from '../../test/support/api';
import { testConfig } from '../../test/support/config';
import { isolatedDatabase } from '../../test/support/isolated-database';
import { deleteRedisKeys } from '../../test/support/redis-keys';

/**
 * The whole API in this process, on a database of its own, for a micro-benchmark
 * (`bench/micro`): requests go through Fastify's `inject`, so what is measured is the API's
 * own code. Closed, its database dropped and its Redis keys deleted, once `run` ends.
 */
export async function withInProcessApi<T>(tag: string, run: (api: TestApi) => Promise<T>): Promise<T> {
  const database = await isolatedDatabase(tag);
  process.env.DATABASE_URL = database.url;
  const config = testConfig({
    DATABASE_URL: database.url,
    FLEETCERT_FLEET_NAME: 'bench',
    FLEETCERT_FLEET_ZONE: 'bench.test',
  });
  const api = await startTestApi(config);
  try {
    return await run(api);
  } finally {
    await api.close();
    await database.drop();
    await deleteRedisKeys(config.redis.url, config.redis.prefix);
  }
}
