#!/usr/bin/env node
// `npm run db:diff -- NAME [--from FILE]`: writes the next migration,
// prisma/migrations/<timestamp>_NAME/migration.sql, as the SQL that turns the schema of the last
// commit (git HEAD; or FILE, e.g. a copy taken before your edit while others' schema changes are
// still uncommitted) into the current prisma/schema.prisma.
//
// It uses Prisma's own schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), so the
// SQL is exactly what `prisma migrate dev` would write, without the native engine the Prisma CLI
// would download (impossible offline). Review the file, then `npm run db:migrate`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:diff -- <snake_case_name>');
  process.exit(64);
}

const wasmDir = path.join(root, 'node_modules/@prisma/schema-engine-wasm');
const bg = await import(path.join(wasmDir, 'schema_engine_bg.js'));
const instance = new WebAssembly.Instance(
  new WebAssembly.Module(fs.readFileSync(path.join(wasmDir, 'schema_engine_bg.wasm'))),
  {
    './schema_engine_bg.js': bg,
  },
);
bg.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start();

const { PrismaPg } = require('@prisma/adapter-pg');
const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
const schemaPath = path.join(root, 'prisma/schema.prisma');
const current = fs.readFileSync(schemaPath, 'utf8');
const fromIndex = process.argv.indexOf('--from');
const previous =
  fromIndex > 0
    ? fs.readFileSync(path.resolve(process.argv[fromIndex + 1]), 'utf8')
    : execFileSync('git', ['show', 'HEAD:prisma/schema.prisma'], { cwd: root, encoding: 'utf8' });
// The engine wants a connection even for a schema-to-schema diff; it changes nothing there.
const adapter = bindMigrationAwareSqlAdapterFactory(
  new PrismaPg({
    connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  }),
);
const engine = await bg.SchemaEngine.new({ datamodels: [[schemaPath, current]] }, () => undefined, adapter);
const result = await engine.diff({
  from: { tag: 'schemaDatamodel', files: [{ path: 'HEAD.prisma', content: previous }] },
  to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: current }] },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
const sql = result.stdout ?? '';
if (!sql.trim() || /empty migration/i.test(sql)) {
  console.log('prisma/schema.prisma has no changes since HEAD: no migration written.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join(root, 'prisma/migrations', `${stamp}_${name}`);
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
process.exit(0);
