import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';
import { LETS_ENCRYPT_STAGING, SETTINGS } from './settings';

const dataDir = () => mkdtempSync(join(tmpdir(), 'fleetcert-config-'));

describe(loadConfig.name, () => {
  it('should default to local Postgres and Redis and to the staging CA', () => {
    const config = loadConfig({ FLEETCERT_DATA_DIR: dataDir() });
    expect(config.database.url).toBe('postgresql://postgres@127.0.0.1:5432/fleetcert');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.acme.directoryUrl).toBe(LETS_ENCRYPT_STAGING);
    expect(config.fleet.privacy).toBe('home');
  });

  it('should keep idle database connections for 5 minutes unless told otherwise, 0 keeping them open', () => {
    expect(loadConfig({ FLEETCERT_DATA_DIR: dataDir() }).database.poolIdleMs).toBe(300_000);
    const keep = loadConfig({ FLEETCERT_DATA_DIR: dataDir(), FLEETCERT_DATABASE_POOL_IDLE_SECONDS: '0' });
    expect(keep.database.poolIdleMs).toBe(0);
    expect(() =>
      loadConfig({ FLEETCERT_DATA_DIR: dataDir(), FLEETCERT_DATABASE_POOL_IDLE_SECONDS: '-5' }),
    ).toThrow(/FLEETCERT_DATABASE_POOL_IDLE_SECONDS/);
  });

  it('should give up on an unanswered statement after 30 s unless told otherwise, 0 waiting forever', () => {
    expect(loadConfig({ FLEETCERT_DATA_DIR: dataDir() }).database.queryTimeoutMs).toBe(30_000);
    const forever = loadConfig({ FLEETCERT_DATA_DIR: dataDir(), FLEETCERT_DATABASE_QUERY_TIMEOUT_MS: '0' });
    expect(forever.database.queryTimeoutMs).toBe(0);
    expect(() =>
      loadConfig({ FLEETCERT_DATA_DIR: dataDir(), FLEETCERT_DATABASE_QUERY_TIMEOUT_MS: 'soon' }),
    ).toThrow(/FLEETCERT_DATABASE_QUERY_TIMEOUT_MS/);
  });

  it('should name every bad setting at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        FLEETCERT_HTTP_PORT: 'eighty',
        REDIS_URL: 'http://x',
        FLEETCERT_DNS_TSIG_ALGORITHM: 'md5',
        FLEETCERT_DATA_DIR: dataDir(),
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(3);
    expect(error!.message).toContain('FLEETCERT_HTTP_PORT');
    expect(error!.message).toContain('REDIS_URL');
    expect(error!.message).toContain('FLEETCERT_DNS_TSIG_ALGORITHM');
  });

  it('should never echo a secret value in its errors', () => {
    expect(() =>
      loadConfig({
        FLEETCERT_ENCRYPTION_KEYS: 'k1:c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0',
        FLEETCERT_DATA_DIR: dataDir(),
      }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('c2VjcmV0') }));
  });

  it('should require explicit encryption keys in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /FLEETCERT_ENCRYPTION_KEYS: required in production/,
    );
  });

  it('should generate a development key once, readable only by its owner', () => {
    const dir = dataDir();
    const first = loadConfig({ FLEETCERT_DATA_DIR: dir });
    const second = loadConfig({ FLEETCERT_DATA_DIR: dir });
    expect(first.encryption.keys[0].key.equals(second.encryption.keys[0].key)).toBe(true);
    expect(statSync(join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
  });

  it('should give processes that start together one development key, never a half-written one', async () => {
    // `npm start` starts the API and the worker at once, and tests run in parallel: each
    // may find the key missing. Processes, not calls, because only they truly race.
    const built = join(__dirname, '../../../dist/libs/config/src/load-config.js');
    if (!existsSync(built))
      throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
    for (let round = 0; round < 3; round++) {
      const dir = dataDir();
      // Every child spins until the same instant, then loads: their calls overlap.
      const at = Date.now() + 700;
      const script = `const { loadConfig } = require(${JSON.stringify(built)});
        while (Date.now() < ${at});
        const c = loadConfig({ FLEETCERT_DATA_DIR: ${JSON.stringify(dir)} });
        process.stdout.write(c.encryption.keys[0].key.toString('hex'));`;
      const keys = await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            new Promise<string>((resolve, reject) => {
              const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
              let out = '';
              let err = '';
              child.stdout.on('data', (d: Buffer) => (out += d));
              child.stderr.on('data', (d: Buffer) => (err += d));
              child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
            }),
        ),
      );
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
      // No drafts left behind.
      expect(readdirSync(dir)).toEqual(['encryption.key']);
    }
  });

  it('should parse rotation key lists: the first encrypts, all decrypt', () => {
    const k = (b: number) => Buffer.alloc(32, b).toString('base64');
    const config = loadConfig({
      FLEETCERT_ENCRYPTION_KEYS: `new:${k(1)},old:${k(2)}`,
      FLEETCERT_DATA_DIR: dataDir(),
    });
    expect(config.encryption.keys.map((e) => e.id)).toEqual(['new', 'old']);
  });

  it('should document every setting in the README configuration table', () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    for (const s of Object.values(SETTINGS)) {
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${s.env}\`\\s*\\|`));
    }
  });
});
