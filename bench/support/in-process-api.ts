import { startTestApi, type TestApi } from '../../test/support/api';
import { testConfig } from '../../test/support/config';
import { isolatedDatabase } from '../../test/support/isolated-database';

/**
 * The whole API in this process, on a database of its own, for a micro-benchmark
 * (`bench/micro`): requests go through Fastify's `inject`, so what is measured is the API's
 * own code. Closed, and its database dropped, once `run` ends.
 */
export async function withInProcessApi<T>(tag: string, run: (api: TestApi) => Promise<T>): Promise<T> {
  const database = await isolatedDatabase(tag);
  process.env.DATABASE_URL = database.url;
  const api = await startTestApi(
    testConfig({
      DATABASE_URL: database.url,
      FLEETCERT_FLEET_NAME: 'bench',
      FLEETCERT_FLEET_ZONE: 'bench.test',
    }),
  );
  try {
    return await run(api);
  } finally {
    await api.close();
    await database.drop();
  }
}
