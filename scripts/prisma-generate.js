#!/usr/bin/env node
// Generates Prisma Client (prisma-client generator, no native engine) without network.
//
// Every `prisma` CLI command first makes sure the native schema engine is on disk and
// downloads it if not, which fails offline. Generation itself only needs Prisma's WASM
// schema parser, so we point the CLI at a placeholder engine that is never executed.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const result = spawnSync(
  process.execPath,
  [require.resolve('prisma/build/index.js'), 'generate', '--schema', path.join(root, 'prisma/schema.prisma')],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: path.join(__dirname, 'prisma-no-schema-engine.sh'),
      PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  },
);
process.exit(result.status ?? 1);
