// Compares what prisma/schema.prisma declares (its DMMF, from Prisma's own WASM parser) with
// what a migrated Postgres database has (pg_catalog), so migrations and schema cannot drift.
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import type { ClientBase } from 'pg';

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  nativeType?: [string, string[]] | null;
  isList: boolean;
  isRequired: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName: string | null }[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc' }[];
  /** The predicate of a partial index (`where: raw("…")`), which the DMMF leaves out: read from the schema text. */
  where?: string;
}
export interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

/** The datamodel part of the DMMF of a Prisma schema. */
export function datamodelOf(schemaText: string): Datamodel {
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schemaText]] })));
  const datamodel = dmmf.datamodel as Datamodel;
  for (const [key, where] of partialIndexPredicates(schemaText)) {
    const index = datamodel.indexes.find(
      (i) => i.type === 'normal' && `${i.model}(${i.fields.map((f) => f.name).join(', ')})` === key,
    );
    if (index) index.where = where;
  }
  return datamodel;
}

/**
 * `Model(field, …)` → predicate of each `@@index([…], where: raw("…"))` in the schema text
 * (the `partialIndexes` preview feature; Prisma's DMMF does not carry the predicate).
 */
function partialIndexPredicates(schemaText: string): Map<string, string> {
  const predicates = new Map<string, string>();
  for (const model of schemaText.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    for (const index of model[2].matchAll(
      /@@index\(\[([^\]]*)\][^\n]*?where:\s*raw\("((?:[^"\\]|\\.)*)"\)/g,
    )) {
      const fields = index[1].split(',').map((f) => f.trim());
      predicates.set(`${model[1]}(${fields.join(', ')})`, JSON.parse(`"${index[2]}"`) as string);
    }
  }
  return predicates;
}

/** A predicate as Postgres prints it (`pg_get_expr`) and as written: without outer parentheses or spaces. */
function normalizedPredicate(predicate: string): string {
  let p = predicate.replace(/\s+/g, '');
  while (p.startsWith('(') && p.endsWith(')')) p = p.slice(1, -1);
  return p;
}

const POSTGRES_IDENTIFIER_LIMIT = 63;

/** Prisma's default constraint names: `<table>_<columns>_<suffix>`, trimmed to 63 bytes like Prisma. */
function defaultName(table: string, columns: string[], suffix: 'pkey' | 'key' | 'idx' | 'fkey'): string {
  let base = suffix === 'pkey' ? table : [table, ...columns].join('_');
  const room = POSTGRES_IDENTIFIER_LIMIT - suffix.length - 1;
  if (base.length >= room) base = base.slice(0, room);
  return `${base}_${suffix}`;
}

/** Postgres type (as format_type() prints it) of Prisma scalars, with and without @db.* attributes. */
function scalarType(field: DmmfField): string | undefined {
  const [native, args = []] = field.nativeType ?? [];
  const withArgs = (name: string) => (args.length > 0 ? `${name}(${args.join(',')})` : name);
  switch (native) {
    case undefined:
      return {
        String: 'text',
        Int: 'integer',
        BigInt: 'bigint',
        Boolean: 'boolean',
        DateTime: 'timestamp(3) without time zone',
        Json: 'jsonb',
        Bytes: 'bytea',
        Float: 'double precision',
        Decimal: 'numeric(65,30)',
      }[field.type];
    case 'Uuid':
      return 'uuid';
    case 'Text':
      return 'text';
    case 'VarChar':
      return withArgs('character varying');
    case 'Char':
      return withArgs('character');
    case 'Citext':
      return 'citext';
    case 'Inet':
      return 'inet';
    case 'SmallInt':
      return 'smallint';
    case 'Integer':
      return 'integer';
    case 'BigInt':
      return 'bigint';
    case 'Boolean':
      return 'boolean';
    case 'Timestamp':
      return `timestamp(${args[0] ?? 6}) without time zone`;
    case 'Timestamptz':
      return `timestamp(${args[0] ?? 6}) with time zone`;
    case 'Date':
      return 'date';
    case 'Json':
      return 'json';
    case 'JsonB':
      return 'jsonb';
    case 'ByteA':
      return 'bytea';
    case 'DoublePrecision':
      return 'double precision';
    case 'Real':
      return 'real';
    case 'Decimal':
      return withArgs('numeric');
    default:
      return undefined;
  }
}

function escapeLiteral(value: string): string {
  return value.replace(/'/g, "''");
}

const FK_ACTIONS: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

interface ColumnRow {
  table: string;
  column: string;
  type: string;
  not_null: boolean;
  default: string | null;
}
interface IndexRow {
  name: string;
  table: string;
  primary: boolean;
  unique: boolean;
  method: string;
  has_expressions: boolean;
  predicate: string | null;
  columns: string[];
  options: number[];
}
interface ForeignKeyRow {
  name: string;
  table: string;
  columns: string[];
  ref_table: string;
  ref_columns: string[];
  on_delete: string;
  on_update: string;
}

/** What the database in the connection's current schema looks like, from pg_catalog. */
async function describeDatabase(db: ClientBase) {
  const scope = 'JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = current_schema()';
  const tables = await db.query<{ name: string }>(
    `SELECT t.relname AS name FROM pg_class t ${scope} WHERE t.relkind IN ('r', 'p')`,
  );
  const enums = await db.query<{ name: string; labels: string[] }>(
    `SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace ns ON ns.oid = t.typnamespace AND ns.nspname = current_schema()
      GROUP BY t.typname`,
  );
  // Enums print as `enum:<name>` (and `enum:<name>[]`), other types as format_type() does.
  const columns = await db.query<ColumnRow>(
    `SELECT t.relname AS table, a.attname AS column, a.attnotnull AS not_null,
            CASE WHEN ty.typtype = 'e' THEN 'enum:' || ty.typname
                 WHEN el.typtype = 'e' THEN 'enum:' || el.typname || '[]'
                 ELSE format_type(a.atttypid, a.atttypmod) END AS type,
            pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a
       JOIN pg_class t ON t.oid = a.attrelid AND t.relkind IN ('r', 'p') ${scope}
       JOIN pg_type ty ON ty.oid = a.atttypid
       LEFT JOIN pg_type el ON el.oid = ty.typelem AND ty.typcategory = 'A'
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attnum > 0 AND NOT a.attisdropped`,
  );
  const indexes = await db.query<IndexRow>(
    `SELECT i.relname AS name, t.relname AS table, ix.indisprimary AS primary, ix.indisunique AS unique,
            am.amname AS method, ix.indexprs IS NOT NULL AS has_expressions, pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
            ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ix.indoption::int2[] AS options
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid ${scope}
       JOIN pg_am am ON am.oid = i.relam`,
  );
  const foreignKeys = await db.query<ForeignKeyRow>(
    `SELECT c.conname AS name, t.relname AS table, r.relname AS ref_table,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns,
            c.confdeltype AS on_delete, c.confupdtype AS on_update
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid ${scope}
       JOIN pg_class r ON r.oid = c.confrelid
      WHERE c.contype = 'f'`,
  );
  return {
    tables: tables.rows.map((row) => row.name),
    enums: enums.rows,
    columns: columns.rows,
    indexes: indexes.rows,
    foreignKeys: foreignKeys.rows,
  };
}

/** The tables Prisma itself keeps next to the schema's. */
const PRISMA_TABLES = ['_prisma_migrations'];

/**
 * Every difference between the datamodel and the database `db` is connected to (its current
 * schema), one readable line each; empty when they match.
 */
export async function schemaDrift(datamodel: Datamodel, db: ClientBase): Promise<string[]> {
  const actual = await describeDatabase(db);
  const problems: string[] = [];
  const modelByName = new Map(datamodel.models.map((model) => [model.name, model]));
  const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
  const columnOf = (model: DmmfModel, fieldName: string) => {
    const field = model.fields.find((f) => f.name === fieldName);
    return field?.dbName ?? fieldName;
  };
  const enumByName = new Map(datamodel.enums.map((e) => [e.name, e]));

  // Enums: the same types with the same labels (the @map'ed ones), in order.
  const expectedEnums = new Map(
    datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]),
  );
  for (const [name, labels] of expectedEnums) {
    const found = actual.enums.find((e) => e.name === name);
    if (!found) problems.push(`enum ${name}: missing`);
    else if (JSON.stringify(found.labels) !== JSON.stringify(labels)) {
      problems.push(
        `enum ${name}: values ${JSON.stringify(found.labels)}, schema says ${JSON.stringify(labels)}`,
      );
    }
  }
  for (const e of actual.enums)
    if (!expectedEnums.has(e.name)) problems.push(`enum ${e.name}: not in the schema`);

  // Tables: one per model, nothing else but Prisma's history table.
  const expectedTables = new Set(datamodel.models.map(tableOf));
  for (const table of expectedTables)
    if (!actual.tables.includes(table)) problems.push(`table ${table}: missing`);
  for (const table of actual.tables) {
    if (!expectedTables.has(table) && !PRISMA_TABLES.includes(table))
      problems.push(`table ${table}: not in the schema`);
  }

  // Columns: one per scalar/enum field, with Prisma's type, nullability and database default.
  for (const model of datamodel.models) {
    const table = tableOf(model);
    if (!actual.tables.includes(table)) continue;
    const stored = model.fields.filter((field) => field.kind !== 'object');
    for (const field of stored) {
      const column = field.dbName ?? field.name;
      const where = `${table}.${column}`;
      const found = actual.columns.find((c) => c.table === table && c.column === column);
      if (!found) {
        problems.push(`column ${where}: missing`);
        continue;
      }
      const enumType = field.kind === 'enum' ? enumByName.get(field.type) : undefined;
      if (field.kind !== 'unsupported') {
        const base = enumType ? `enum:${enumType.dbName ?? enumType.name}` : scalarType(field);
        if (base === undefined) {
          problems.push(
            `column ${where}: this test does not know Prisma's type for ${field.type} ${field.nativeType}`,
          );
        } else {
          const type = field.isList ? `${base}[]` : base;
          if (found.type !== type) problems.push(`column ${where}: type ${found.type}, schema says ${type}`);
        }
      }
      // Prisma renders list columns without NOT NULL even though DMMF calls them required.
      const notNull = field.isRequired && !field.isList;
      if (found.not_null !== notNull) {
        problems.push(
          `column ${where}: ${found.not_null ? 'NOT NULL' : 'nullable'}, schema says ${notNull ? 'NOT NULL' : 'nullable'}`,
        );
      }
      const expectedDefault = databaseDefault(field, table, column, enumType);
      if (
        expectedDefault instanceof RegExp
          ? !expectedDefault.test(found.default ?? '')
          : found.default !== expectedDefault
      ) {
        problems.push(`column ${where}: default ${found.default}, schema says ${expectedDefault}`);
      }
    }
    const columns = new Set(stored.map((field) => field.dbName ?? field.name));
    for (const c of actual.columns) {
      if (c.table === table && !columns.has(c.column))
        problems.push(`column ${table}.${c.column}: not in the schema`);
    }
  }

  // Indexes: @id, @unique / @@unique, @@index, each on exactly its columns in order, named as Prisma names them.
  const expectedIndexes = new Set<string>();
  for (const index of datamodel.indexes) {
    const model = modelByName.get(index.model);
    if (!model) continue;
    const table = tableOf(model);
    const columns = index.fields.map((f) => columnOf(model, f.name));
    const kind = index.type === 'id' ? 'primary key' : index.type === 'unique' ? 'unique index' : 'index';
    const suffix = index.type === 'id' ? 'pkey' : index.type === 'unique' ? 'key' : 'idx';
    const name = index.dbName ?? defaultName(table, columns, suffix);
    expectedIndexes.add(name);
    const where = `${kind} ${name} on ${table}(${columns.join(', ')})`;
    const found = actual.indexes.find((i) => i.name === name);
    if (!found) {
      problems.push(`${where}: missing`);
      continue;
    }
    const foundKind = found.primary ? 'primary key' : found.unique ? 'unique index' : 'index';
    const descending = index.fields.map((f) => f.sortOrder === 'desc');
    const problemsHere = [
      found.table !== table && `is on table ${found.table}`,
      foundKind !== kind && `is a ${foundKind}`,
      JSON.stringify(found.columns) !== JSON.stringify(columns) && `covers (${found.columns.join(', ')})`,
      found.has_expressions && 'has expressions',
      found.predicate !== null && index.where === undefined && `is partial (WHERE ${found.predicate})`,
      index.where !== undefined &&
        (found.predicate === null
          ? 'is not partial'
          : normalizedPredicate(found.predicate) !== normalizedPredicate(index.where) &&
            `is partial WHERE ${found.predicate}, schema says WHERE ${index.where}`),
      found.method !== (index.algorithm ?? 'BTree').toLowerCase() && `uses ${found.method}`,
      JSON.stringify(found.options.map((o) => (o & 1) === 1)) !== JSON.stringify(descending) &&
        'has other sort orders',
    ].filter(Boolean);
    for (const problem of problemsHere) problems.push(`${where}: ${problem}`);
  }
  for (const index of actual.indexes) {
    if (!expectedIndexes.has(index.name) && !PRISMA_TABLES.includes(index.table)) {
      problems.push(`index ${index.name} on ${index.table}(${index.columns.join(', ')}): not in the schema`);
    }
  }

  // Foreign keys: one per relation side holding the fields, with Prisma's default actions.
  const expectedForeignKeys = new Set<ForeignKeyRow>();
  for (const model of datamodel.models) {
    for (const field of model.fields) {
      if (field.kind !== 'object' || !field.relationFromFields?.length) continue;
      const target = modelByName.get(field.type)!;
      const table = tableOf(model);
      const columns = field.relationFromFields.map((f) => columnOf(model, f));
      const refColumns = (field.relationToFields ?? []).map((f) => columnOf(target, f));
      const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
      const onUpdate = field.relationOnUpdate ?? 'Cascade';
      const where = `foreign key ${table}(${columns.join(', ')}) -> ${tableOf(target)}(${refColumns.join(', ')})`;
      const found = actual.foreignKeys.find(
        (fk) => fk.table === table && JSON.stringify(fk.columns) === JSON.stringify(columns),
      );
      if (!found) {
        problems.push(`${where}: missing`);
        continue;
      }
      expectedForeignKeys.add(found);
      const problemsHere = [
        found.ref_table !== tableOf(target) && `references ${found.ref_table}`,
        JSON.stringify(found.ref_columns) !== JSON.stringify(refColumns) &&
          `references (${found.ref_columns.join(', ')})`,
        FK_ACTIONS[found.on_delete] !== onDelete &&
          `ON DELETE ${FK_ACTIONS[found.on_delete]}, schema says ${onDelete}`,
        FK_ACTIONS[found.on_update] !== onUpdate &&
          `ON UPDATE ${FK_ACTIONS[found.on_update]}, schema says ${onUpdate}`,
        found.name !== defaultName(table, columns, 'fkey') && `is named ${found.name}`,
      ].filter(Boolean);
      for (const problem of problemsHere) problems.push(`${where}: ${problem}`);
    }
  }
  for (const fk of actual.foreignKeys) {
    if (!expectedForeignKeys.has(fk))
      problems.push(`foreign key ${fk.name} on ${fk.table}: not in the schema`);
  }
  return problems;
}

/**
 * The column default Prisma's SQL gives a field: none for defaults Prisma Client computes
 * (uuid(), cuid(), @updatedAt...), CURRENT_TIMESTAMP for now(), a sequence for autoincrement().
 */
function databaseDefault(
  field: DmmfField,
  table: string,
  column: string,
  enumType?: DmmfEnum,
): string | RegExp | null {
  if (!field.hasDefaultValue) return null;
  const value = field.default;
  if (typeof value === 'object' && value !== null && 'name' in value) {
    const fn = value as { name: string; args: unknown[] };
    if (fn.name === 'now') return 'CURRENT_TIMESTAMP';
    if (fn.name === 'autoincrement')
      return new RegExp(`^nextval\\('"?${table}_${column}_seq"?'::regclass\\)$`);
    if (fn.name === 'dbgenerated') return String(fn.args[0]);
    return null; // uuid(), cuid(), nanoid(), ulid(): generated by Prisma Client
  }
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (enumType) {
      const label = enumType.values.find((v) => v.name === value)?.dbName ?? value;
      const typeName = escapeRegExp(enumType.dbName ?? enumType.name);
      return new RegExp(`^'${escapeRegExp(escapeLiteral(label))}'::"?${typeName}"?$`);
    }
    const cast = field.type === 'Json' ? (field.nativeType?.[0] === 'Json' ? 'json' : 'jsonb') : 'text';
    return `'${escapeLiteral(value)}'::${cast}`;
  }
  return new RegExp('.'); // list / other literal defaults: only require that there is one
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
