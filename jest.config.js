// One Jest run covers unit specs (beside the source) and end-to-end suites (test/),
// all against the real Postgres, Redis, BIND9 and Pebble that test/support starts.
const swc = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.jsc.baseUrl;
delete swc.jsc.paths;

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: [
    '<rootDir>/apps/*/src/**/*.spec.ts',
    '<rootDir>/libs/*/src/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
    '<rootDir>/test/**/*.spec.ts',
  ],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: { '^@fleetcert/([^/]+)$': '<rootDir>/libs/$1/src' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  maxWorkers: 2,
  // How long a worker may take to exit once the run is over before Jest kills it and warns
  // that it "failed to exit gracefully". Measured here (strace, /proc): at the end a worker
  // holds no handle but its stdio, and runs its exit listeners at once, but then spends
  // 420–490 ms tearing down its heap (~800 MB after ~70 test files; hundreds of munmap
  // calls) against Jest's default of 500 ms. A handle that really leaks still keeps a
  // worker alive past this, and still gets the warning.
  workerGracefulExitTimeout: 2000,
};
