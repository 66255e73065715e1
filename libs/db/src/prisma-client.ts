import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

/** Options of {@link createPrismaClient}. */
export interface CreatePrismaClientOptions {
  /** Most connections the pool opens at once. Default: pg's own default (10). */
  poolSize?: number;
}

/**
 * Builds the Prisma client over `pg` through `@prisma/adapter-pg`: no native query engine,
 * so it works offline and on air-gapped installs (see DESIGN.md "Prisma without network").
 *
 * Connections open lazily, on the first query. A `?schema=` parameter in the URL, as Prisma
 * URLs allow, selects the Postgres schema the queries use.
 */
export function createPrismaClient(databaseUrl: string, opts: CreatePrismaClientOptions = {}): PrismaClient {
  if (opts.poolSize !== undefined && !(Number.isInteger(opts.poolSize) && opts.poolSize > 0)) {
    throw new RangeError(`poolSize must be a positive integer, got ${opts.poolSize}`);
  }
  const schema = new URL(databaseUrl).searchParams.get('schema') ?? undefined;
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, ...(opts.poolSize === undefined ? {} : { max: opts.poolSize }) },
    schema === undefined ? undefined : { schema },
  );
  return new PrismaClient({ adapter });
}
