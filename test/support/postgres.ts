/**
 * Where the test suite and the benchmarks find Postgres: FLEETCERT_TEST_POSTGRES (a server
 * URL without a database, e.g. `postgresql://user:pw@db:5432`), else the machine's local
 * trust-auth server. Only its address and credentials are used: every run works in
 * databases of its own that it creates and drops.
 */
const SERVER_URL = (process.env.FLEETCERT_TEST_POSTGRES ?? 'postgresql://postgres@127.0.0.1:5432').replace(
  /\/$/,
  '',
);

/** The URL of database `name` on the test server (plus `params`, e.g. `{ schema: 'x' }`). */
export function databaseUrl(name: string, params: Record<string, string> = {}): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  url.search = new URLSearchParams(params).toString();
  return url.toString();
}

/** The test server's maintenance database, where databases are created and dropped from. */
export function adminDatabaseUrl(): string {
  return databaseUrl('postgres');
}
