import type { Pool } from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';
import { createPgPool, CreatePgPoolOptions, schemaOf } from './pg-pool';

/** Options of {@link createPrismaClient}. */
export type CreatePrismaClientOptions = CreatePgPoolOptions;

/**
 * Builds the Prisma client over `pg` through `@prisma/adapter-pg`: no native query engine,
 * so it works offline and on air-gapped installs (see DESIGN.md "Prisma without network").
 *
 * Connections open lazily, on the first query. A `?schema=` parameter in the URL, as Prisma
 * URLs allow, selects the Postgres schema the queries use.
 */
export function createPrismaClient(databaseUrl: string, opts: CreatePrismaClientOptions = {}): PrismaClient {
  return createPrismaClientOnPool(createPgPool(databaseUrl, opts), schemaOf(databaseUrl), { ownsPool: true });
}

/**
 * The Prisma client on an existing pool (the server's: see `DbModule`), so Prisma and the
 * prepared statements share one connection budget. With `ownsPool`, `$disconnect()` also
 * ends the pool.
 */
export function createPrismaClientOnPool(
  pool: Pool,
  schema: string | undefined,
  { ownsPool = false }: { ownsPool?: boolean } = {},
): PrismaClient {
  const adapter = new PrismaPg(pool, schema === undefined ? undefined : { schema });
  // 'minimal': an error's message is what went wrong, without the call site's source
  // excerpt Prisma otherwise reads from disk and renders into it: one line in the logs.
  const client = new PrismaClient({ adapter, errorFormat: 'minimal' });
  if (!ownsPool) return client;
  const disconnect = client.$disconnect.bind(client);
  let ended: Promise<void> | undefined;
  client.$disconnect = async () => {
    await disconnect();
    ended ??= pool.end();
    await ended;
  };
  return client;
}
