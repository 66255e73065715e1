import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, ServerUnreachableError } from '../api/api-errors';
import { JsonLogger } from '../log/logger';
import { StateStore } from '../state/state-store';
import { FakeDeviceApi } from '../testing/fake-device-api';
import { RequestRefusedError } from './certificate-errors';
import { CertificateManager } from './certificate-manager';
import { CertificateStore } from './certificate-store';
import { wantedIdentifiers } from './wanted-identifiers';

const DAY = 86_400_000;

describe(CertificateManager.name, () => {
  let dir: string;
  let api: FakeDeviceApi;
  let state: StateStore;
  let now: Date;
  let logs: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-manager-'));
    api = await FakeDeviceApi.create();
    state = new StateStore(join(dir, 'state'));
    await state.load();
    now = new Date();
    logs = '';
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function manager(opts: { reload?: string } = {}) {
    return new CertificateManager({
      kind: 'dns',
      settings: {
        enabled: true,
        dir: join(dir, 'certs', 'dns'),
        keyType: 'ecdsa-p256',
        includeNonPublic: false,
      },
      api: api.client,
      state,
      files: new CertificateStore(join(dir, 'certs', 'dns')),
      pendingDir: join(dir, 'state', 'pending'),
      logger: new JsonLogger('debug', { write: (l: string) => (logs += l) }),
      wanted: (device) => wantedIdentifiers('dns', device, { includeNonPublic: false }),
      ...(opts.reload && { reload: { command: opts.reload, timeoutMs: 5000 } }),
      intervals: { renewalCheckMs: DAY, pollMinMs: 1000, pollMaxMs: 10_000 },
      now: () => now,
      random: () => 0.5,
    });
  }

  /** Steps until the manager is settled (issuing with the fake CA when asked). */
  async function settle(m: CertificateManager, lifetimeMs = 90 * DAY, window?: { start: Date; end: Date }) {
    for (let i = 0; i < 10; i++) {
      const r = await m.step();
      if (r.settled) return r;
      const pending = state.current.pending.dns;
      const request = pending?.requestId && api.requests.get(pending.requestId);
      if (request && request.view.status === 'pending') {
        await api.issue(request.view.id, {
          notBefore: now,
          notAfter: new Date(now.getTime() + lifetimeMs),
          window,
        });
      }
    }
    throw new Error('did not settle');
  }

  it('should save the key, CSR and an idempotency key before submitting, all 0600', async () => {
    const m = manager();
    expect(await m.step()).toEqual({ waitMs: 0, settled: false });
    expect(api.submits).toBe(0);
    const pending = state.current.pending.dns!;
    expect(pending).toMatchObject({ reason: 'no certificate installed yet', keyType: 'ecdsa-p256' });
    expect(pending.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    for (const file of ['dns.key', 'dns.csr']) {
      expect((await stat(join(dir, 'state', 'pending', file))).mode & 0o777).toBe(0o600);
    }
    const afterSubmit = await m.step();
    expect(afterSubmit).toEqual({ waitMs: 1000, settled: false });
    expect(state.current.pending.dns!.requestId).toBe(api.last().view.id);
    expect(api.last().idempotencyKey).toBe(pending.idempotencyKey);
    expect(api.last().options).toEqual({ profile: undefined, http01Mode: undefined });
  });

  it('should install the issued certificate, plan the renewal inside the server window and run the reload command', async () => {
    const window = { start: new Date(now.getTime() + 60 * DAY), end: new Date(now.getTime() + 62 * DAY) };
    const m = manager({
      reload: `echo "$FLEETCERT_CERT_KIND $FLEETCERT_CERT_SERIAL" > ${join(dir, 'reloaded')}`,
    });
    const settled = await settle(m, 90 * DAY, window);
    const record = state.current.certificates.dns!;
    expect(record).toMatchObject({
      requestId: api.last().view.id,
      identifiers: [{ type: 'dns', value: 'dev1.devices.example.com' }],
      windowSource: 'server',
      renewAt: new Date(now.getTime() + 61 * DAY).toISOString(),
    });
    expect(settled).toEqual({ waitMs: DAY, settled: true }); // the next look at the window comes first
    expect(state.current.pending.dns).toBeUndefined();
    expect(await readdir(join(dir, 'state', 'pending'))).toEqual([]);
    expect((await readFile(join(dir, 'reloaded'), 'utf8')).trim()).toBe(`dns ${record.serial}`);
    expect(state.current.errors.reload).toBeUndefined();
  });

  it('should record a failing reload command as an error and keep the new certificate', async () => {
    const m = manager({ reload: 'echo nginx: config test failed >&2; exit 3' });
    await settle(m);
    expect(state.current.certificates.dns).toBeDefined();
    expect(state.current.errors.reload!.message).toBe(
      'dns: reload command failed (exit 3): nginx: config test failed',
    );
  });

  it('should continue the same request after a restart instead of submitting another', async () => {
    const first = manager();
    await first.step();
    await first.step();
    const id = api.last().view.id;

    const reloaded = new StateStore(join(dir, 'state'));
    await reloaded.load();
    state = reloaded;
    const second = manager();
    await api.issue(id, { notBefore: now, notAfter: new Date(now.getTime() + 90 * DAY) });
    await settle(second);
    expect(api.submits).toBe(1);
    expect(state.current.certificates.dns!.requestId).toBe(id);
  });

  it('should send the same idempotency key again when an answer was lost', async () => {
    const m = manager();
    await m.step();
    api.fail.submit = new ServerUnreachableError(
      'https://fleet.example.com/v1/certificates',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    );
    await expect(m.step()).rejects.toBeInstanceOf(ServerUnreachableError);
    expect(state.current.pending.dns!.requestId).toBeUndefined();
    api.fail.submit = undefined;
    await m.step();
    expect(api.submits).toBe(2);
    expect(api.requests.size).toBe(1);
  });

  it('should give up a request the CA failed, with the reason, and start over with a fresh key', async () => {
    const m = manager();
    await m.step();
    await m.step();
    const firstKey = await readFile(join(dir, 'state', 'pending', 'dns.key'), 'utf8');
    api.set(api.last().view.id, {
      status: 'failed',
      error: { type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'policy forbids' },
    });
    await expect(m.step()).rejects.toThrow(
      new RequestRefusedError(
        `the dns certificate request ${api.last().view.id} failed: policy forbids (urn:ietf:params:acme:error:rejectedIdentifier)`,
      ),
    );
    expect(state.current.pending.dns).toBeUndefined();
    await m.step();
    expect(await readFile(join(dir, 'state', 'pending', 'dns.key'), 'utf8')).not.toBe(firstKey);
  });

  it('should drop a CSR the server refuses (422) but keep it when the credential is refused (401)', async () => {
    const m = manager();
    await m.step();
    api.fail.submit = new ApiError(401, '401 Unauthorized: bad token');
    await expect(m.step()).rejects.toBeInstanceOf(ApiError);
    expect(state.current.pending.dns).toBeDefined();
    api.fail.submit = new ApiError(422, '422 Unprocessable Entity: weak key');
    await expect(m.step()).rejects.toBeInstanceOf(RequestRefusedError);
    expect(state.current.pending.dns).toBeUndefined();
  });

  it('should start over when the server forgot the request (404)', async () => {
    const m = manager();
    await m.step();
    await m.step();
    api.requests.clear();
    expect(await m.step()).toEqual({ waitMs: 0, settled: false });
    expect(state.current.pending.dns).toBeUndefined();
    expect(logs).toContain('abandoning the dns certificate request: the server no longer knows request');
  });

  it('should wait until a deferred request may run, and slow its polling of an open one', async () => {
    const m = manager();
    await m.step();
    expect((await m.step()).waitMs).toBe(1000);
    expect((await m.step()).waitMs).toBe(1500);
    api.set(api.last().view.id, {
      status: 'deferred',
      deferredUntil: new Date(now.getTime() + 120_000).toISOString(),
    });
    expect(await m.step()).toEqual({ waitMs: 120_000, settled: false });
    expect(state.current.pending.dns).toMatchObject({ status: 'deferred' });
  });

  it('should renew at the planned time with a new key, serving the old certificate until then', async () => {
    const m = manager();
    await settle(m, 10 * DAY);
    const first = state.current.certificates.dns!;
    now = new Date(new Date(first.renewAt).getTime() - 1000);
    expect((await m.step()).settled).toBe(true);
    now = new Date(first.renewAt);
    expect(await m.step()).toEqual({ waitMs: 0, settled: false });
    expect(state.current.pending.dns!.reason).toBe('renewal time reached');
    expect((await new CertificateStore(join(dir, 'certs', 'dns')).readCurrent())!.issued.serial).toBe(
      first.serial,
    );
    await settle(m);
    expect(state.current.certificates.dns!.serial).not.toBe(first.serial);
  });

  it('should not renew in a loop when a fresh certificate is already due (bad window, wrong clock)', async () => {
    const m = manager();
    // The server's window is already over when the certificate arrives.
    await settle(m, 10 * DAY, {
      start: new Date(now.getTime() - 2 * DAY),
      end: new Date(now.getTime() - DAY),
    });
    expect(state.current.certificates.dns!.renewAt).toBe(now.toISOString());
    expect(await m.step()).toEqual({ waitMs: DAY, settled: true });
    expect(state.current.pending.dns).toBeUndefined();
    expect(logs).toContain(
      'not renewing the dns certificate yet: renewal time reached right after it was installed',
    );
    now = new Date(now.getTime() + DAY);
    await m.step();
    expect(state.current.pending.dns!.reason).toBe('renewal time reached');
  });

  it('should ask for a new certificate when the names it must carry changed', async () => {
    const m = manager();
    await settle(m);
    api.device.hostname = 'renamed.devices.example.com';
    await m.step();
    expect(state.current.pending.dns!.reason).toBe(
      'identifiers changed (dev1.devices.example.com → renamed.devices.example.com)',
    );
  });

  it('should follow the server when it moves the renewal window (ARI)', async () => {
    const m = manager();
    await settle(m, 90 * DAY, {
      start: new Date(now.getTime() + 60 * DAY),
      end: new Date(now.getTime() + 62 * DAY),
    });
    api.set(api.last().view.id, {
      renewal: {
        windowStart: new Date(now.getTime() + 2 * DAY).toISOString(),
        windowEnd: new Date(now.getTime() + 4 * DAY).toISOString(),
      },
    });
    now = new Date(now.getTime() + DAY);
    const result = await m.step();
    expect(state.current.certificates.dns!.renewAt).toBe(new Date(now.getTime() + 2 * DAY).toISOString());
    expect(result).toEqual({ waitMs: DAY, settled: true });
  });

  it('should not install a certificate that is not for its key, keeping the one it has', async () => {
    const m = manager();
    await settle(m, 10 * DAY);
    const served = state.current.certificates.dns!.serial;
    now = new Date(state.current.certificates.dns!.renewAt);
    await m.step();
    await m.step();
    const stranger = await (
      await import('../crypto/key-and-csr')
    ).generateKeyAndCsr('ecdsa-p256', [{ type: 'dns', value: 'dev1.devices.example.com' }]);
    await api.issue(api.last().view.id, {
      notBefore: now,
      notAfter: new Date(now.getTime() + 10 * DAY),
      csr: stranger.csrPem,
    });
    await expect(m.step()).rejects.toThrow(/was not installed: the issued certificate is not for the key/);
    expect((await new CertificateStore(join(dir, 'certs', 'dns')).readCurrent())!.issued.serial).toBe(served);
  });

  it('should adopt a certificate found on disk without state, finding its request on the server', async () => {
    await settle(manager(), 90 * DAY, {
      start: new Date(now.getTime() + 60 * DAY),
      end: new Date(now.getTime() + 62 * DAY),
    });
    const before = state.current.certificates.dns!;
    await rm(join(dir, 'state', 'state.json'));
    state = new StateStore(join(dir, 'state'));
    await state.load();
    expect((await manager().step()).settled).toBe(true);
    expect(state.current.certificates.dns).toMatchObject({
      serial: before.serial,
      requestId: before.requestId,
      windowSource: 'server',
    });
    expect(api.submits).toBe(1);
  });

  it('should renew at once an expired certificate it adopts', async () => {
    await settle(manager(), 10 * DAY);
    await rm(join(dir, 'state', 'state.json'));
    state = new StateStore(join(dir, 'state'));
    await state.load();
    now = new Date(now.getTime() + 11 * DAY); // the device was off for longer than the lifetime
    expect(await manager().step()).toEqual({ waitMs: 0, settled: false });
    expect(state.current.pending.dns!.reason).toBe('the certificate has expired');
  });
});
