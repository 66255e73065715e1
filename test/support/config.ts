import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { AppConfig, loadConfig } from '@fleetcert/config';

export type TestEnv = Record<string, string | undefined>;

/**
 * The environment a test runs fleetcert with: this run's database (from global-setup), a
 * Redis key prefix of its own (so a test may flush its keys without touching any other
 * suite's), quiet logs, and the test's overrides. Pass the same object to the in-process
 * API and to spawned workers so they share one configuration.
 */
export function testEnv(overrides: TestEnv = {}): TestEnv {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL,
    FLEETCERT_REDIS_PREFIX: `${process.env.FLEETCERT_REDIS_PREFIX ?? 'fleetcert-test-local'}-${randomBytes(4).toString('hex')}`,
    FLEETCERT_LOG_LEVEL: process.env.FLEETCERT_TEST_LOG_LEVEL ?? 'silent',
    FLEETCERT_HTTP_PORT: '0',
    // Workers of parallel suites share the host: each takes a free port for its metrics.
    FLEETCERT_WORKER_METRICS_PORT: '0',
    FLEETCERT_DATA_DIR: `${tmpdir()}/fleetcert-test-${process.env.FLEETCERT_TEST_RUN ?? 'local'}`,
    FLEETCERT_DATABASE_POOL_SIZE: '10',
    // Pebble has no rate limits; suites that test them set their own.
    FLEETCERT_RATE_LIMITS: 'none',
    // Overload shedding off: on a busy CI machine a test's concurrent requests can all take
    // longer than the target and shed the next test's. test/api/overload-shedding turns it on.
    FLEETCERT_HTTP_SHED_QUEUE_DELAY_MS: '0',
    ...overrides,
  };
}

/** {@link testEnv} through the production loader, so tests get the same validation. */
export function testConfig(overrides: TestEnv = {}): AppConfig {
  return loadConfig(testEnv(overrides));
}
