#!/usr/bin/env node
// Replaces the configuration table in README.md with the one printed by `npm run docs:config`
// (usage: npm run docs:config -s | node scripts/update-readme-config.mjs).
import fs from 'node:fs';

const table = fs.readFileSync(0, 'utf8').trim();
const readme = fs.readFileSync('README.md', 'utf8');
const start = readme.search(/^\| Variable\s+\| Default/m);
const end = readme.indexOf('\n\n', start);
if (start < 0 || end < 0 || !table.startsWith('| Variable')) {
  console.error('update-readme-config: table or input not found');
  process.exit(1);
}
fs.writeFileSync('README.md', `${readme.slice(0, start)}${table}${readme.slice(end)}`);
