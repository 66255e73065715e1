#!/usr/bin/env node
// Runs a benchmark written in TypeScript straight from its source:
//
//   node bench/run.mjs bench/main.ts [args...]
//
// Benchmarks reuse the test harnesses in test/support (BIND9, Pebble, worker process), which
// the swc build does not compile into dist/, so they are loaded from source here: every
// `.ts` file is compiled on require with the project's own .swcrc (the same transform as the
// build and Jest), and `@fleetcert/<lib>` resolves to libs/<lib>/src as it does in Jest.
// The API and worker under test still run from dist/ (`npm run build` first: `npm run bench` does).
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const swc = require('@swc/core');

const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
// Aliases are resolved below at require time, as Jest's moduleNameMapper does.
delete swcrc.jsc.baseUrl;
delete swcrc.jsc.paths;
delete swcrc.$schema;

Module._extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    ...swcrc,
    filename,
    swcrc: false,
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = /^@fleetcert\/([^/]+)$/.exec(request);
  return resolveFilename.call(this, alias ? join(root, 'libs', alias[1], 'src') : request, ...rest);
};

process.setSourceMapsEnabled(true);

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node bench/run.mjs <benchmark.ts> [args...]');
  process.exit(64);
}
process.argv = [process.argv[0], resolve(entry), ...args];
require('reflect-metadata');
require(resolve(entry));
