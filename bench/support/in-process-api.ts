import { generateKeyPairSync } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { SecretBox } from '@fleetcert/crypto';
import { AcmeAccountRepository, PRISMA, PrismaClient } from '@fleetcert/db';
import type { FastifyInstance } from 'fastify';
import { startTestApi, type TestApi } from '../../test/support/api';
import { testConfig, type TestEnv } from '../../test/support/config';
import { isolatedDatabase } from '../../test/support/isolated-database';
import { deleteRedisKeys } from '../../test/support/redis-keys';
import { cleanUpOnInterrupt, runsOnce, withoutSignalListenersOf } from './on-interrupt';

/**
 * The whole API in this process, on a database of its own, for a micro-benchmark
 * (`bench/micro`): requests go through Fastify's `inject`, so what is measured is the API's
 * own code. Closed, its database dropped and its Redis keys deleted, once `run` ends or the
 * benchmark is interrupted (Ctrl-C).
 * `env` overrides settings (e.g. `FLEETCERT_DATABASE_POOL_IDLE_SECONDS`).
 */
export async function withInProcessApi<T>(
  tag: string,
  run: (api: TestApi) => Promise<T>,
  env: TestEnv = {},
): Promise<T> {
  const database = await isolatedDatabase(tag);
  process.env.DATABASE_URL = database.url;
  const config = testConfig({
    DATABASE_URL: database.url,
    FLEETCERT_FLEET_NAME: 'bench',
    FLEETCERT_FLEET_ZONE: 'bench.test',
    ...env,
  });
  let api: TestApi | undefined;
  const cleanUp = runsOnce(async () => {
    await api?.close();
    await database.drop();
    await deleteRedisKeys(config.redis.url, config.redis.prefix);
  });
  // Ctrl-C during a micro-benchmark must not leave its database and Redis keys behind.
  const removeInterruptHandlers = cleanUpOnInterrupt(cleanUp);
  try {
    api = await withoutSignalListenersOf(() => startTestApi(config));
    return await run(api);
  } finally {
    removeInterruptHandlers();
    await cleanUp();
  }
}

/**
 * An ACME account row, as the worker leaves after its first order: without one, the API
 * looks for it on every submission (to refuse a CSR for the account's own key), which a
 * running fleet never does.
 */
export async function storeAcmeAccount(app: { get<T>(token: unknown): T }): Promise<void> {
  const { directoryUrl } = app.get<AppConfig>(APP_CONFIG).acme;
  const box = app.get<SecretBox>(SecretBox);
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  await new AcmeAccountRepository(app.get<PrismaClient>(PRISMA)).createIfAbsent({
    directoryUrl,
    keyCiphertext: box.seal(key, directoryUrl),
    keyId: box.primaryKeyId,
    contact: [],
  });
}

/** One `POST /v1/certificates` through Fastify's `inject`; throws unless it is accepted (202). */
export async function injectSubmission(fastify: FastifyInstance, token: string, csr: string): Promise<void> {
  const res = await fastify.inject({
    method: 'POST',
    url: '/v1/certificates',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ csr }),
  });
  if (res.statusCode !== 202) throw new Error(`submission answered ${res.statusCode}: ${res.body}`);
}
