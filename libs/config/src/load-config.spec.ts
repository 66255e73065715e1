import { mkdtempSync, readFileSync, statSync } from 'node:fs';
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
