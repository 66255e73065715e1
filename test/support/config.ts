import { tmpdir } from 'node:os';
import { AppConfig, loadConfig } from '@fleetcert/config';

/**
 * The configuration a test runs with: this run's database and Redis prefix (from
 * global-setup), quiet logs, and whatever the test overrides, as environment strings,
 * so tests go through the same loader and validation as production.
 */
export function testConfig(overrides: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL,
    FLEETCERT_REDIS_PREFIX: process.env.FLEETCERT_REDIS_PREFIX,
    FLEETCERT_LOG_LEVEL: process.env.FLEETCERT_TEST_LOG_LEVEL ?? 'silent',
    FLEETCERT_HTTP_PORT: '0',
    FLEETCERT_DATA_DIR: `${tmpdir()}/fleetcert-test-${process.env.FLEETCERT_TEST_RUN ?? 'local'}`,
    FLEETCERT_DATABASE_POOL_SIZE: '5',
    ...overrides,
  });
}
