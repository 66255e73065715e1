import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';

/**
 * The agent runs on devices: it must not pull in the server's stack (NestJS, Prisma,
 * BullMQ, ...), and a device maker must be able to ship it with a handful of packages.
 */
const ALLOWED_PACKAGES = new Set(['@peculiar/x509', 'reflect-metadata']);

function runtimeSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : runtimeSources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('agent dependencies', () => {
  const root = __dirname;
  const files = runtimeSources(root);

  it('should import only Node built-ins, its own files and the allowed packages', () => {
    const offending: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import)\s+'([^']+)'/g)) {
        if (spec.startsWith('.')) {
          const target = resolve(file, '..', spec);
          if (relative(root, target).startsWith('..'))
            offending.push(`${relative(root, file)}: ${spec} (outside apps/agent)`);
        } else if (
          !spec.startsWith('node:') &&
          !builtinModules.includes(spec) &&
          !ALLOWED_PACKAGES.has(spec)
        ) {
          offending.push(`${relative(root, file)}: ${spec}`);
        }
      }
    }
    expect(files.length).toBeGreaterThan(20);
    expect(offending).toEqual([]);
  });
});
