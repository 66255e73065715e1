import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * No Docker engine runs on CI, so check what can be checked without one: the compose
 * file parses, names the services fleetcert needs, and every command it runs exists.
 */
const root = join(__dirname, '../..');
const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });

describe('docker-compose.yml', () => {
  it('should define postgres, redis, migrate, api and worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis', 'worker']);
  });

  it.each(['migrate', 'api', 'worker'])('should run an npm script that exists for %s', (name) => {
    const [bin, verb, script] = compose.services[name].command;
    expect([bin, verb]).toEqual(['npm', 'run']);
    expect(scripts).toHaveProperty(script);
    expect(compose.services[name].build).toBe('.');
  });

  it('should point the services at the compose Postgres and Redis', () => {
    expect(compose.services.api.environment.DATABASE_URL).toContain('@postgres:5432/');
    expect(compose.services.worker.environment.REDIS_URL).toBe('redis://redis:6379');
    expect(compose.services.api.environment.FLEETCERT_HTTP_HOST).toBe('0.0.0.0');
  });

  it('should build with the scripts the Dockerfile calls', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const m of dockerfile.matchAll(/npm run ([\w:-]+)/g)) expect(scripts).toHaveProperty(m[1]);
  });
});
