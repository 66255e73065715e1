/**
 * Prints the README's configuration table from the settings table, so the docs never
 * drift: `npx swc scripts/config-table.ts libs/config -d /tmp/ct && node /tmp/ct/scripts/config-table.js`
 * (or `npm run docs:config`). libs/config/src/load-config.spec.ts fails when a setting is missing.
 */
import { SETTINGS } from '../libs/config/src/settings';

const rows = Object.values(SETTINGS).map((s) => {
  const def = s.default !== undefined ? `\`${s.default}\`` : '—';
  return `| \`${s.env}\` | ${def} | ${s.doc}${s.secret ? ' *(secret)*' : ''} |`;
});
process.stdout.write(['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n') + '\n');
