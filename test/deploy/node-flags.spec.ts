import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HEAP_LIMIT_MIB, MALLOC_ENV_PREFIX, NODE_FLAGS, V8_POOL_SIZE } from '../../scripts/node-flags';

/**
 * Every shipped way of running the API and the worker uses the same Node flags and malloc
 * setting (scripts/node-flags.ts). package.json cannot import them, so it is checked here.
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
    expect(scripts[script]).toBe([MALLOC_ENV_PREFIX, 'node', ...NODE_FLAGS, entry].join(' '));
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

  it("should give V8 one helper thread instead of Node's default four", () => {
    // The platform's helper threads start with the process; everything else is the same in
    // both runs, so the difference in threads is the difference in helpers.
    const threads = (flags: readonly string[]) =>
      Number(
        execFileSync(
          process.execPath,
          [
            ...flags,
            '-e',
            "process.stdout.write(String(require('fs').readdirSync('/proc/self/task').length))",
          ],
          { encoding: 'utf8' },
        ),
      );
    const withoutPoolSize = NODE_FLAGS.filter((flag) => flag !== V8_POOL_SIZE);
    expect(NODE_FLAGS).toContain(V8_POOL_SIZE);
    expect(threads(NODE_FLAGS) - threads(withoutPoolSize)).toBe(1 - 4);
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

  describe("glibc's malloc", () => {
    /** npm run start:api's command with `node -e "$PROBE"` in place of the API, run by sh as npm runs it. */
    function runAsStartApi(probe: string, env: NodeJS.ProcessEnv = {}): string {
      const command = scripts['start:api'].replace('dist/apps/api/src/main.js', '--expose-gc -e "$PROBE"');
      return execFileSync('/bin/sh', ['-c', command], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...env, PROBE: probe },
      });
    }

    it('should get the fixed mmap threshold from the npm scripts, unless the environment sets one', () => {
      const print = 'process.stdout.write(String(process.env.MALLOC_MMAP_THRESHOLD_))';
      expect(runAsStartApi(print)).toBe('131072');
      expect(runAsStartApi(print, { MALLOC_MMAP_THRESHOLD_: '65536' })).toBe('65536');
    });

    /**
     * What the setting prevents: once a block larger than the threshold is freed, glibc
     * raises the threshold, later large blocks come from the heap, and the heap keeps them
     * when they are freed between blocks still in use. Prints the MiB still resident after
     * 40 touched 1 MiB buffers were freed (each next to a small buffer that stays).
     */
    const RETENTION_PROBE = `
      const settle = async () => { for (let i = 0; i < 4; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); } };
      (async () => {
        let large = Buffer.allocUnsafeSlow(8 << 20); large.fill(1); large = null; await settle();
        const before = process.memoryUsage().rss;
        const kept = []; let blocks = [];
        for (let i = 0; i < 40; i++) {
          const block = Buffer.allocUnsafeSlow(1 << 20); block.fill(1); blocks.push(block);
          kept.push(Buffer.allocUnsafeSlow(256));
        }
        blocks = null; await settle();
        process.stdout.write(String((process.memoryUsage().rss - before) / (1 << 20)) + ' MiB, ' + kept.length + ' kept');
      })();`;

    it('should give freed large blocks back to the system', () => {
      const [retained] = runAsStartApi(RETENTION_PROBE).split(' ');
      expect(Number(retained)).toBeLessThan(10);
    });

    it("should keep them without it (glibc's default: the case the setting is for)", () => {
      const output = execFileSync(process.execPath, ['--expose-gc', '-e', RETENTION_PROBE], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      });
      expect(Number(output.split(' ')[0])).toBeGreaterThan(30);
    });
  });
});
