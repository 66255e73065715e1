import { Client } from 'pg';

/** The SQLSTATE of a Postgres error, if `error` is one. */
export function pgErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Quotes a Postgres identifier (database, schema) for interpolation into DDL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Opens one connection to the database `databaseUrl` names, first creating that database
 * (through the server's `postgres` maintenance database) when it does not exist. Creating
 * is only tried when needed, so a role without access to `postgres` works on an existing
 * database; two instances creating it at once are fine.
 */
export async function connectCreatingDatabase(
  databaseUrl: string,
  log: (line: string) => void,
): Promise<Client> {
  try {
    return await connect(databaseUrl);
  } catch (error) {
    if (pgErrorCode(error) !== '3D000') throw error; // 3D000: database does not exist
  }
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  url.searchParams.delete('schema');
  const admin = await connect(url.toString());
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    log(`Created database ${name}`);
  } catch (error) {
    // 42P04: it exists now; 23505: another instance created it while we did.
    if (!['42P04', '23505'].includes(pgErrorCode(error) ?? '')) throw error;
  } finally {
    await admin.end();
  }
  return connect(databaseUrl);
}

async function connect(connectionString: string): Promise<Client> {
  const client = new Client({ connectionString });
  // A connection lost between queries emits 'error'; the next query rejects anyway, so the
  // event only needs a listener to not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
