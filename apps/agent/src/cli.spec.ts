import { EventEmitter } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli';
import { AGENT_VERSION } from './version';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    {
      stdout: { write: (c: string) => (stdout += c) },
      stderr: { write: (c: string) => (stderr += c) },
      readStdin: async () => '',
    },
    new EventEmitter() as never,
  );
  return { code, stdout, stderr };
}

describe('fleetcert-agent command line', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'agent-cli-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('should print its version and its usage', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${AGENT_VERSION}\n`, stderr: '' });
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('fleetcert-agent enroll --server URL');
  });

  it.each([
    [[], 'fleetcert-agent'],
    [['renew'], 'unknown command "renew"'],
    [['enroll', '--token', 'fcd_xxxxxxxxxxxxxxxxxx'], 'enroll needs --server'],
    [
      ['enroll', '--server', 'https://x', '--token', 't', '--token-file', 'f'],
      'one of --token / --token-file',
    ],
    [
      ['enroll', '--server', 'https://x', '--token', 't', '--responder', 'tunnel'],
      '--responder must be one of off, proxy, redirect, pull',
    ],
    [['enroll', '--server', 'https://x', '--bogus'], "Unknown option '--bogus'"],
    [['run', '--bogus'], "Unknown option '--bogus'"],
  ])('should refuse %j with exit code 64', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(message);
  });

  it('should refuse an invalid configuration at enrolment with every problem and exit 78, writing nothing', async () => {
    const result = await cli([
      'enroll',
      '--server',
      'http://fleet.example.com',
      '--token',
      'fcd_0123456789abcdef0123',
      '--config',
      join(dir, 'c.json'),
      '--ipv4',
      'dhcp',
    ]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('server is http://');
    expect(result.stderr).toContain('addresses.ipv4: "dhcp" is not an address source');
    expect(result.stderr).not.toContain('fcd_0123456789abcdef0123');
    await expect(stat(join(dir, 'c.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('should exit 78 from run and 3 from status without a configuration', async () => {
    expect((await cli(['run', '--config', join(dir, 'missing.json')])).code).toBe(78);
    const status = await cli(['status', '--json', '--config', join(dir, 'missing.json')]);
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout)).toMatchObject({ level: 'unknown' });
  });
});
