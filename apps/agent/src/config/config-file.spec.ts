import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile, writeConfigFile } from './config-file';
import { ConfigError } from './config-error';

const raw = { server: 'https://fleet.example.com', token: 'fcd_0123456789abcdef0123456789abcdef' };

describe('config file', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'agent-config-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('should write the configuration 0600 in a 0700 directory and read it back', async () => {
    const path = join(dir, 'etc', 'config.json');
    await writeConfigFile(path, raw);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'etc'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(raw);
    const { config, warnings } = await readConfigFile(path);
    expect(config.server).toBe(raw.server);
    expect(warnings).toEqual([]);
  });

  it('should refuse to write an invalid configuration', async () => {
    const path = join(dir, 'config.json');
    await expect(writeConfigFile(path, { server: 'nope' })).rejects.toBeInstanceOf(ConfigError);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('should warn when others can read the token', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify(raw));
    await chmod(path, 0o644);
    const { warnings } = await readConfigFile(path);
    expect(warnings).toEqual([expect.stringContaining('is readable by other users (mode 644)')]);
    expect(warnings[0]).not.toContain(raw.token);
  });

  it('should explain a missing file and bad JSON', async () => {
    await expect(readConfigFile(join(dir, 'none.json'))).rejects.toMatchObject({
      problems: [expect.stringContaining('run `fleetcert-agent enroll` first')],
    });
    await writeFile(join(dir, 'bad.json'), '{"server": ');
    await expect(readConfigFile(join(dir, 'bad.json'))).rejects.toMatchObject({
      problems: [expect.stringContaining('not valid JSON')],
    });
  });
});
