import { spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { lstat, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IssuanceStack, startIssuanceStack } from '../support/issuance-stack';
import { AGENT_ENTRY, runAgent } from './support/agent-process';
import { isolatedDatabase } from '../support/isolated-database';
import { startTlsFront, TlsFront } from './support/tls-front';

const ZONE = 'agent-dns.fleet.test';

function runCommand(command: string, args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

describe('fleetcert-agent against the real control server (Pebble + BIND9 + worker)', () => {
  let stack: IssuanceStack;
  let front: TlsFront;
  let dir: string;
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetcert-agent-dns-'));
    database = await isolatedDatabase('dns');
    stack = await startIssuanceStack({ zone: ZONE, fleet: 'agent-dns', env: { DATABASE_URL: database.url } });
    front = await startTlsFront(stack.api.url, dir);
  }, 60_000);
  afterAll(async () => {
    await front?.stop();
    await stack?.stop();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function newDevice(): Promise<{ id: string; hostname: string; token: string }> {
    const res = await stack.api.request('POST', '/v1/admin/devices', { token: stack.admin, body: {} });
    expect(res.status).toBe(201);
    return res.body;
  }

  describe('enroll', () => {
    it('should check the token over verified TLS and write the configuration with mode 0600', async () => {
      const device = await newDevice();
      const config = join(dir, 'enroll-ok', 'config.json');
      const result = await runAgent(
        [
          'enroll',
          '--server',
          front.url,
          '--token',
          '-',
          '--ca-bundle',
          front.caPath,
          '--config',
          config,
          '--state-dir',
          join(dir, 'enroll-ok', 'state'),
        ],
        { stdin: `${device.token}\n` },
      );
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(device.hostname);
      expect((await stat(config)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(config, 'utf8'))).toMatchObject({
        server: front.url,
        token: device.token,
        caBundle: front.caPath,
      });
      expect(result.stdout).not.toContain(device.token);
    });

    it('should refuse a server whose TLS certificate does not verify, and write nothing', async () => {
      const device = await newDevice();
      const config = join(dir, 'enroll-untrusted', 'config.json');
      const result = await runAgent([
        'enroll',
        '--server',
        front.url,
        '--token',
        device.token,
        '--config',
        config,
      ]);
      expect(result.code).toBe(69);
      expect(result.stderr).toMatch(/TLS certificate of 127\.0\.0\.1:\d+ is not trusted/);
      expect(result.stderr).toContain('--ca-bundle');
      await expect(stat(config)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('should refuse a token the server does not accept with exit code 77', async () => {
      const config = join(dir, 'enroll-badtoken', 'config.json');
      const result = await runAgent([
        'enroll',
        '--server',
        front.url,
        '--token',
        'fcd_notarealtokenatallnotreal',
        '--ca-bundle',
        front.caPath,
        '--config',
        config,
      ]);
      expect(result.code).toBe(77);
      expect(result.stderr).toContain('refused the token');
      await expect(stat(config)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('should not overwrite an existing configuration without --force', async () => {
      const device = await newDevice();
      const config = join(dir, 'enroll-twice', 'config.json');
      const args = [
        'enroll',
        '--server',
        front.url,
        '--token',
        device.token,
        '--ca-bundle',
        front.caPath,
        '--config',
        config,
      ];
      expect((await runAgent(args)).code).toBe(0);
      const again = await runAgent(args);
      expect(again.code).toBe(73);
      expect(again.stderr).toContain('--force');
      expect((await runAgent([...args, '--force'])).code).toBe(0);
    });

    it('should say that the server is unreachable with exit code 69', async () => {
      const device = await newDevice();
      const result = await runAgent([
        'enroll',
        '--server',
        'https://127.0.0.1:1',
        '--token',
        device.token,
        '--config',
        join(dir, 'enroll-down', 'c.json'),
      ]);
      expect(result.code).toBe(69);
      expect(result.stderr).toContain('ECONNREFUSED');
    });
  });

  it('status should exit 3 (UNKNOWN) when it cannot read the configuration', async () => {
    const result = await runAgent(['status', '--config', join(dir, 'nowhere.json')]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^FLEETCERT UNKNOWN - invalid configuration/);
  });

  describe('run --once', () => {
    let device: { id: string; hostname: string; token: string };
    let config: string;
    let certDir: string;
    let reloadLog: string;

    beforeAll(async () => {
      device = await newDevice();
      const base = join(dir, 'once');
      config = join(base, 'config.json');
      certDir = join(base, 'certs');
      reloadLog = join(base, 'reload.log');
      const enrolled = await runAgent([
        'enroll',
        '--server',
        front.url,
        '--token',
        device.token,
        '--ca-bundle',
        front.caPath,
        '--config',
        config,
        '--state-dir',
        join(base, 'state'),
        '--cert-dir',
        certDir,
        '--ipv4',
        'static:192.168.44.7',
        '--ipv6',
        'none',
        '--reload-command',
        `echo "$FLEETCERT_CERT_KIND $FLEETCERT_CERT_SERIAL $FLEETCERT_CERT_DIR" >> ${reloadLog}`,
      ]);
      expect(enrolled.code).toBe(0);
    });

    it('should report the address, obtain a DNS certificate, install it and run the reload command', async () => {
      const result = await runAgent(['run', '--once', '--config', config], { timeoutMs: 45_000 });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const logs = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'addresses reported',
          'requesting a new dns certificate',
          'dns certificate installed',
        ]),
      );
      expect(result.stdout).not.toContain(device.token);

      expect(await stack.bind.query(device.hostname, 'A')).toEqual(['192.168.44.7']);

      const dnsDir = join(certDir, 'dns');
      const fullchain = await readFile(join(dnsDir, 'fullchain.pem'), 'utf8');
      const leaf = new X509Certificate(await readFile(join(dnsDir, 'cert.pem'), 'utf8'));
      const key = await readFile(join(dnsDir, 'privkey.pem'), 'utf8');
      expect(leaf.subjectAltName).toBe(`DNS:${device.hostname}`);
      expect(leaf.checkPrivateKey(createPrivateKey(key))).toBe(true);
      expect(key).toContain('BEGIN PRIVATE KEY');
      expect(fullchain.startsWith(leaf.toString().trim())).toBe(true);
      const chain = await readFile(join(dnsDir, 'chain.pem'), 'utf8');
      expect(fullchain).toBe(leaf.toString().trim() + '\n' + chain);
      expect(leaf.checkIssued(new X509Certificate(chain))).toBe(true);

      // One release directory made current by a symlink; every file 0600, directories 0700.
      expect(await readlink(join(dnsDir, 'current'))).toMatch(/^releases\/\d{8}T\d{6}Z-[0-9a-f]+$/);
      expect(await readlink(join(dnsDir, 'privkey.pem'))).toBe('current/privkey.pem');
      for (const file of ['privkey.pem', 'cert.pem', 'chain.pem', 'fullchain.pem']) {
        expect((await stat(join(dnsDir, file))).mode & 0o777).toBe(0o600);
      }
      expect((await lstat(join(dnsDir, 'releases'))).mode & 0o777).toBe(0o700);

      const reloads = (await readFile(reloadLog, 'utf8')).trim().split('\n');
      expect(reloads).toEqual([`dns ${leaf.serialNumber.toLowerCase()} ${dnsDir}`]);
    });

    it('should do nothing on a second pass while the certificate is current', async () => {
      const before = await readlink(join(certDir, 'dns', 'current'));
      const result = await runAgent(['run', '--once', '--config', config]);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('requesting a new');
      expect(await readlink(join(certDir, 'dns', 'current'))).toBe(before);
      expect((await readFile(reloadLog, 'utf8')).trim().split('\n')).toHaveLength(1);
    });

    it('should show a live progress line and readable messages on a terminal', async () => {
      // A second device, run under a pseudo-terminal (script(1)) so the agent sees a TTY.
      const other = await newDevice();
      const base = join(dir, 'tty');
      const ttyConfig = join(base, 'config.json');
      const enrolled = await runAgent([
        'enroll',
        '--server',
        front.url,
        '--token',
        other.token,
        '--ca-bundle',
        front.caPath,
        '--config',
        ttyConfig,
        '--state-dir',
        join(base, 'state'),
        '--ipv4',
        'none',
        '--ipv6',
        'none',
      ]);
      expect(enrolled.code).toBe(0);
      const command = `${process.execPath} ${AGENT_ENTRY} run --once --config ${ttyConfig}`;
      // Asynchronously: the API under test runs in this very process.
      const result = await runCommand('script', ['-qec', command, '/dev/null']);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] dns certificate request (pending|processing) \(\d+s\)/);
      expect(result.stdout).toMatch(/\d\d:\d\d:\d\d INFO {2}dns certificate installed kind=dns/);
      expect(result.stdout).not.toMatch(/^\{/m);
    });

    it('should print the certificate, its expiry and next renewal with exit code 0', async () => {
      const result = await runAgent(['status', '--config', config]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^FLEETCERT OK - dns: /);
      expect(result.stdout).toContain(device.hostname);
      expect(result.stdout).toMatch(/expires\s+\d{4}-\d\d-\d\dT/);
      expect(result.stdout).toMatch(/renews\s+\d{4}-\d\d-\d\dT/);
      const json = JSON.parse((await runAgent(['status', '--config', config, '--json'])).stdout);
      expect(json).toMatchObject({ level: 'ok', hostname: device.hostname, errors: [] });
      expect(json.certificates[0]).toMatchObject({
        kind: 'dns',
        level: 'ok',
        identifiers: [device.hostname],
      });
      expect(new Date(json.certificates[0].renewAt).getTime()).toBeLessThan(
        new Date(json.certificates[0].notAfter).getTime(),
      );
    });

    it('should exit 2 (CRITICAL) from status when the certificate files are broken', async () => {
      const dnsDir = join(certDir, 'dns');
      const release = await readlink(join(dnsDir, 'current'));
      const keyFile = join(dnsDir, release, 'privkey.pem');
      const key = await readFile(keyFile, 'utf8');
      try {
        await writeFile(keyFile, 'not a key');
        const result = await runAgent(['status', '--config', config]);
        expect(result.code).toBe(2);
        expect(result.stdout).toMatch(/^FLEETCERT CRITICAL - dns: installed files unusable/);
      } finally {
        await writeFile(keyFile, key, { mode: 0o600 });
      }
    });
  });
});
