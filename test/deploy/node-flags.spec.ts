import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HEAP_LIMIT_MIB, NODE_FLAGS } from '../../scripts/node-flags';

/**
 * Every shipped way of running the API and the worker uses the same Node flags
 * (scripts/node-flags.ts). package.json cannot import them, so it is checked here.
 */
const root = join(__dirname, '../..');
const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const MiB = 1024 * 1024;

describe('the shipped Node flags', () => {
  it.each([
    ['start:api', 'dist/apps/api/src/main.js'],
    ['start:worker', 'dist/apps/worker/src/main.js'],
  ])('should be the flags of npm run %s', (script, entry) => {
    expect(scripts[script]).toBe(['node', ...NODE_FLAGS, entry].join(' '));
  });

  it('should reach the Docker image and docker-compose.yml through those scripts', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^CMD \["npm", "run", "start:api"\]$/m);
    expect(dockerfile).not.toMatch(/NODE_OPTIONS/);
    expect(compose.services.api.command).toEqual(['npm', 'run', 'start:api']);
    expect(compose.services.worker.command).toEqual(['npm', 'run', 'start:worker']);
    for (const name of ['api', 'worker']) {
      expect(compose.services[name].environment).not.toHaveProperty('NODE_OPTIONS');
    }
  });

  it('should turn off allocation-site pretenuring', () => {
    // V8 prints every flag's value with --print-flag-values: on by default, off as shipped.
    const value = execFileSync(process.execPath, [...NODE_FLAGS, '--print-flag-values', '-e', ''], {
      encoding: 'utf8',
    });
    expect(value).toMatch(/^--no-allocation-site-pretenuring\b/m);
    const defaults = execFileSync(process.execPath, ['--print-flag-values', '-e', ''], { encoding: 'utf8' });
    expect(defaults).toMatch(/^--allocation-site-pretenuring\b/m);
  });

  it('should bound the V8 heap to the documented limit', () => {
    const limit = Number(
      execFileSync(
        process.execPath,
        [
          ...NODE_FLAGS,
          '-e',
          'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))',
        ],
        { encoding: 'utf8' },
      ),
    );
    // The limit covers the old generation plus the young one (a few tens of MiB).
    expect(limit).toBeGreaterThanOrEqual(HEAP_LIMIT_MIB * MiB);
    expect(limit).toBeLessThan((HEAP_LIMIT_MIB + 64) * MiB);
  });
});
