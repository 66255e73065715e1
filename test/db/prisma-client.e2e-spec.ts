import { join } from 'node:path';
import { migrate } from '../../libs/db/src/migrate';
import { createPrismaClient } from '../../libs/db/src/prisma-client';
import { databaseUrl, dropDatabase, uniqueDatabaseName, withDatabase } from './test-database';

const MIGRATIONS_DIR = join(__dirname, '../../prisma/migrations');

describe(createPrismaClient.name, () => {
  const name = uniqueDatabaseName('client');

  afterAll(() => dropDatabase(name));

  it('should write and read a fleet on the migrated database', async () => {
    const url = databaseUrl(name);
    await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    const prisma = createPrismaClient(url, { poolSize: 2 });
    try {
      const created = await prisma.fleet.create({ data: { name: 'lab', zone: 'devices.example.test' } });

      const read = await prisma.fleet.findUnique({ where: { name: 'lab' } });

      expect(read).toEqual(created);
      expect(read).toMatchObject({ privacy: 'home', allowMixedIdentifiers: false, defaultProfile: null });
      expect(read!.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(read!.createdAt).toBeInstanceOf(Date);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('should use the schema a ?schema= URL parameter names, for migrations and queries alike', async () => {
    const url = databaseUrl(name, { schema: 'tenant_b' });
    await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    const prisma = createPrismaClient(url);
    try {
      await prisma.fleet.create({ data: { name: 'other', zone: 'b.example.test' } });
    } finally {
      await prisma.$disconnect();
    }

    const tables = await withDatabase(name, async (client) => {
      const { rows } = await client.query(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name IN ('fleets', '_prisma_migrations')",
      );
      return rows.map((row) => `${row.table_schema}.${row.table_name}`);
    });
    expect(tables).toEqual(expect.arrayContaining(['tenant_b.fleets', 'tenant_b._prisma_migrations']));
    const names = await withDatabase(name, (client) => client.query('SELECT name FROM tenant_b.fleets'));
    expect(names.rows).toEqual([{ name: 'other' }]);
  });

  it('should refuse a pool size that is not a positive integer', () => {
    expect(() => createPrismaClient(databaseUrl(name), { poolSize: 0 })).toThrow(RangeError);
  });
});
