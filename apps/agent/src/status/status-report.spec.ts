import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateStore } from '../certificates/certificate-store';
import { parseAgentConfig } from '../config/parse-config';
import { checkIssuedCertificate } from '../crypto/issued-certificate';
import { generateKeyAndCsr } from '../crypto/key-and-csr';
import { AgentState, emptyState } from '../state/agent-state';
import { createTestCa, TestCa } from '../testing/test-ca';
import { buildStatusReport, renderStatus, statusExitCode } from './status-report';
import { formatDuration } from './duration';

const DAY = 86_400_000;

describe(buildStatusReport.name, () => {
  let ca: TestCa;
  let dir: string;
  const now = new Date();
  const names = [{ type: 'dns' as const, value: 'dev.devices.example.com' }];

  beforeAll(async () => (ca = await createTestCa()));
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'agent-status-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const config = (ip = false) =>
    parseAgentConfig(
      {
        server: 'https://fleet.example.com',
        token: 'fcd_0123456789abcdef0123456789abcdef',
        stateDir: dir,
        certificates: { ip: { enabled: ip } },
      },
      join(dir, 'config.json'),
    );

  /** Installs a certificate valid from `from` to `to` (ms relative to now) and records it in `state`. */
  async function install(state: AgentState, from: number, to: number, window?: [number, number]) {
    const { keyPem, csrPem } = await generateKeyAndCsr('ecdsa-p256', names);
    const issued = checkIssuedCertificate(
      await ca.sign(csrPem, {
        notBefore: new Date(now.getTime() + from),
        notAfter: new Date(now.getTime() + to),
      }),
      keyPem,
      names,
    );
    const release = await new CertificateStore(join(dir, 'certs', 'dns')).install(keyPem, issued);
    const [ws, we] = window ?? [to - (to - from) / 3, to - (to - from) / 3 + (to - from) / 10];
    state.certificates.dns = {
      requestId: 'r1',
      serial: issued.serial,
      identifiers: names,
      notBefore: issued.notBefore.toISOString(),
      notAfter: issued.notAfter.toISOString(),
      window: {
        start: new Date(now.getTime() + ws).toISOString(),
        end: new Date(now.getTime() + we).toISOString(),
      },
      windowSource: 'server',
      renewAt: new Date(now.getTime() + ws).toISOString(),
      installedAt: now.toISOString(),
      release,
      checkedAt: now.toISOString(),
    };
    return issued;
  }

  it('should be OK with the expiry and next renewal of a current certificate', async () => {
    const state = emptyState();
    state.device = { identifier: 'dev', hostname: 'dev.devices.example.com', seenAt: now.toISOString() };
    const issued = await install(state, -DAY, 89 * DAY, [59 * DAY, 61 * DAY]);
    const report = await buildStatusReport(config(), state, now);
    expect(report.level).toBe('ok');
    expect(statusExitCode(report)).toBe(0);
    expect(report.headline).toBe(
      `FLEETCERT OK - dns: dev.devices.example.com: valid until ${issued.notAfter.toISOString()} (in ${formatDuration(issued.notAfter.getTime() - now.getTime())}), renews in 59d`,
    );
    expect(report.certificates[0]).toMatchObject({
      kind: 'dns',
      serial: issued.serial,
      identifiers: ['dev.devices.example.com'],
    });
    const text = renderStatus(report, now);
    expect(text).toContain('device     dev.devices.example.com');
    expect(text).toContain(`serial     ${issued.serial}`);
    expect(text).toMatch(/renews {5}\S+ \(in 59d\)/);
  });

  it('should be CRITICAL without a certificate, showing the request in flight', async () => {
    const state = emptyState();
    state.pending.dns = {
      idempotencyKey: 'k',
      identifiers: names,
      keyType: 'ecdsa-p256',
      reason: 'no certificate installed yet',
      createdAt: now.toISOString(),
      requestId: 'req-9',
      status: 'processing',
    };
    const report = await buildStatusReport(config(), state, now);
    expect(statusExitCode(report)).toBe(2);
    expect(report.headline).toBe(
      'FLEETCERT CRITICAL - dns: no certificate installed; request req-9 processing',
    );
  });

  it('should be CRITICAL in the last tenth of the lifetime and once expired', async () => {
    const state = emptyState();
    await install(state, -9 * DAY, DAY / 2);
    expect((await buildStatusReport(config(), state, now)).headline).toMatch(
      /^FLEETCERT CRITICAL - dns: dev.devices.example.com: expires in 1[12]h/,
    );
    await install(state, -10 * DAY, -DAY);
    expect((await buildStatusReport(config(), state, now)).headline).toMatch(
      /^FLEETCERT CRITICAL - dns: .*expired 1d ago/,
    );
  });

  it('should WARN when the renewal is overdue', async () => {
    const state = emptyState();
    await install(state, -70 * DAY, 20 * DAY, [-10 * DAY, -8 * DAY]);
    const report = await buildStatusReport(config(), state, now);
    expect(statusExitCode(report)).toBe(1);
    expect(report.headline).toContain('renewal overdue since');
    state.errors.dns = {
      at: now.toISOString(),
      message: 'cannot reach https://fleet.example.com: ECONNREFUSED',
      failures: 9,
    };
    expect((await buildStatusReport(config(), state, now)).headline).toMatch(
      /renewal overdue since .*; last error: cannot reach https:\/\/fleet.example.com: ECONNREFUSED$/,
    );
  });

  it('should WARN with the last error while the certificate is still fine', async () => {
    const state = emptyState();
    await install(state, -DAY, 89 * DAY);
    state.errors.dns = {
      at: now.toISOString(),
      message: 'cannot reach https://fleet.example.com: ECONNREFUSED',
      failures: 4,
      retryAt: new Date(now.getTime() + 30_000).toISOString(),
    };
    const report = await buildStatusReport(config(), state, now);
    expect(statusExitCode(report)).toBe(1);
    expect(report.headline).toBe(
      'FLEETCERT WARNING - dns: cannot reach https://fleet.example.com: ECONNREFUSED',
    );
    expect(renderStatus(report, now)).toContain('dns (');
    expect(renderStatus(report, now)).toContain('4 in a row, retry in 30s): cannot reach');
  });

  it('should say an IP certificate is not needed when there is no public address', async () => {
    const state = emptyState();
    await install(state, -DAY, 89 * DAY);
    state.idle.ip = 'no public address on record (192.168.1.20): a CA can only validate a public one';
    const report = await buildStatusReport(config(true), state, now);
    expect(report.level).toBe('ok');
    expect(report.certificates[1]).toMatchObject({
      kind: 'ip',
      level: 'ok',
      summary: expect.stringContaining('none needed: no public address'),
    });
  });

  it('should work from the files alone when the state file is missing', async () => {
    const state = emptyState();
    await install(state, -DAY, 89 * DAY);
    const report = await buildStatusReport(config(), null, now);
    expect(report.level).toBe('ok');
    expect(report.certificates[0].renewAt).toBeDefined();
  });
});

describe(formatDuration.name, () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [125_000, '2m 5s'],
    [3 * 3600_000 + 60_000, '3h 1m'],
    [59 * DAY + 3 * 3600_000 + 5000, '59d 3h'],
    [-90_000, '-1m 30s'],
    [DAY + 1000, '1d'],
  ])('%s ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
