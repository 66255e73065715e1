/** Where the test suite finds Postgres: the machine's local server unless told otherwise. */
export const TEST_POSTGRES_BASE = (
  process.env.FLEETCERT_TEST_POSTGRES ?? 'postgresql://postgres@127.0.0.1:5432'
).replace(/\/$/, '');

export function adminDatabaseUrl(): string {
  return `${TEST_POSTGRES_BASE}/postgres`;
}
