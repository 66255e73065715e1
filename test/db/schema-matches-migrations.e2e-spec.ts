import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../libs/db/src/migrate';
import { datamodelOf, schemaDrift } from './schema-drift';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from './test-database';

const ROOT = join(__dirname, '../..');
const SCHEMA = readFileSync(join(ROOT, 'prisma/schema.prisma'), 'utf8');

/** The schema with `from` replaced by `to`; fails loudly if `from` is no longer in it. */
function editedSchema(from: string, to: string): string {
  if (!SCHEMA.includes(from)) throw new Error(`schema.prisma no longer contains ${JSON.stringify(from)}`);
  return SCHEMA.replace(from, to);
}

describe('prisma/migrations', () => {
  const name = uniqueDatabaseName('schema');
  let db: Client;

  beforeAll(async () => {
    await migrate({ databaseUrl: databaseUrl(name), migrationsDir: join(ROOT, 'prisma/migrations') });
    db = new Client({ connectionString: databaseUrl(name) });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await dropDatabase(name);
  });

  it('should build exactly the database prisma/schema.prisma describes', async () => {
    expect(await schemaDrift(datamodelOf(SCHEMA), db)).toEqual([]);
  });

  // The checks above are only worth something if they notice drift: each edit below must be caught.
  describe('drift detection', () => {
    it.each([
      [
        'a new field',
        '  zone                  String\n',
        '  zone                  String\n  extra String?\n',
        'column fleets.extra: missing',
      ],
      [
        'a changed type',
        '  zone                  String\n',
        '  zone                  String @db.VarChar(100)\n',
        'column fleets.zone: type text, schema says character varying(100)',
      ],
      [
        'a changed nullability',
        '  zone                  String\n',
        '  zone                  String?\n',
        'column fleets.zone: NOT NULL, schema says nullable',
      ],
      [
        'a removed field',
        '  disabledAt         DateTime?\n',
        '',
        'column devices.disabledAt: not in the schema',
      ],
      [
        'a changed default',
        '@default(home)',
        '@default(hosted)',
        'column fleets.privacy: default \'home\'::"FleetPrivacy"',
      ],
      ['a new enum value', '  cleaned\n', '  cleaned\n  expired\n', 'enum ChallengeStatus: values'],
      ['a changed @map of an enum value', '@map("dns-01")', '@map("dns_01")', 'enum ChallengeType: values'],
      [
        'a new @@index',
        '  @@index([notAfter])\n',
        '  @@index([notAfter])\n  @@index([serial])\n',
        'index certificates_serial_idx on certificates(serial): missing',
      ],
      [
        'a removed @@index',
        '  @@index([notAfter])\n',
        '',
        'index certificates_notAfter_idx on certificates(notAfter): not in the schema',
      ],
      [
        'a partial @@index made full',
        '@@index([supersededById], where: raw("\\"supersededById\\" IS NOT NULL"))',
        '@@index([supersededById])',
        'index certificates_supersededById_idx on certificates(supersededById): is partial (WHERE',
      ],
      [
        'a changed partial-index predicate',
        'where: raw("\\"supersededById\\" IS NOT NULL")',
        'where: raw("\\"supersededAt\\" IS NOT NULL")',
        'schema says WHERE "supersededAt" IS NOT NULL',
      ],
      [
        'an @@index made partial',
        '  @@index([notAfter])\n',
        '  @@index([notAfter], where: raw("\\"revokedAt\\" IS NULL"))\n',
        'index certificates_notAfter_idx on certificates(notAfter): is not partial',
      ],
      [
        'reordered @@index columns',
        '@@index([status, createdAt])',
        '@@index([createdAt, status])',
        'index devices_createdAt_status_idx',
      ],
      [
        'an @@index made unique',
        '  @@index([token])\n',
        '  @@unique([token])\n',
        'unique index challenges_token_key on challenges(token): missing',
      ],
      [
        'a removed @unique',
        '  name      String       @unique\n',
        '  name      String\n',
        'index operators_name_key on operators(name): not in the schema',
      ],
      [
        'a changed onDelete',
        'references: [id], onDelete: Cascade)\n  name ',
        'references: [id], onDelete: Restrict)\n  name ',
        'ON DELETE Cascade, schema says Restrict',
      ],
      [
        'a new model',
        'enum ActorType {',
        'model Probe {\n  id Int @id\n  @@map("probes")\n}\n\nenum ActorType {',
        'table probes: missing',
      ],
    ])('should notice %s in the schema', async (_what, from, to, expected) => {
      const drift = await schemaDrift(datamodelOf(editedSchema(from, to)), db);

      expect(drift).toContainEqual(expect.stringContaining(expected));
    });

    it.each([
      [
        'a changed type',
        'ALTER TABLE "devices" ALTER COLUMN "ipv4" TYPE VARCHAR(45)',
        'column devices.ipv4: type character varying(45), schema says text',
      ],
      [
        'a dropped index',
        'DROP INDEX "devices_ipv6_idx"',
        'index devices_ipv6_idx on devices(ipv6): missing',
      ],
      [
        'an extra index',
        'CREATE INDEX "devices_label_idx" ON "devices"("label")',
        'index devices_label_idx on devices(label): not in the schema',
      ],
      [
        'a dropped foreign key',
        'ALTER TABLE "certificates" DROP CONSTRAINT "certificates_deviceId_fkey"',
        'foreign key certificates(deviceId) -> devices(id): missing',
      ],
      [
        'a dropped default',
        'ALTER TABLE "fleets" ALTER COLUMN "allowMixedIdentifiers" DROP DEFAULT',
        'column fleets.allowMixedIdentifiers: default null, schema says false',
      ],
      ['an extra table', 'CREATE TABLE "stray" ("id" INTEGER)', 'table stray: not in the schema'],
    ])('should notice %s in the database', async (_what, sql, expected) => {
      await db.query('BEGIN');
      try {
        await db.query(sql);

        const drift = await schemaDrift(datamodelOf(SCHEMA), db);

        expect(drift).toContainEqual(expect.stringContaining(expected));
      } finally {
        await db.query('ROLLBACK');
      }
    });
  });
});
