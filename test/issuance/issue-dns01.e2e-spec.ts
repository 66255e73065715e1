import { PRISMA, PrismaClient } from '@fleetcert/db';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { SecretBox } from '@fleetcert/crypto';
import { parseCertificateChain, verifyChainTo } from '@fleetcert/pki';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { IssuanceStack, startIssuanceStack } from '../support/issuance-stack';
import { waitFor } from '../support/wait-for';
import type { WorkerProcess } from '../support/worker-process';
import { metricValue } from '../support/prometheus';

const ZONE = 'dns01.fleet.test';

describe('DNS-01 issuance end to end (Pebble + BIND9 + Postgres + Redis + worker process)', () => {
  let stack: IssuanceStack & { worker?: WorkerProcess };
  let prisma: PrismaClient;

  beforeAll(async () => {
    stack = await startIssuanceStack({
      zone: ZONE,
      fleet: 'dns01',
      pebble: { domainBlocklist: [`blocked.${ZONE}`] },
    });
    prisma = stack.api.app.get(PRISMA);
  }, 60_000);
  afterAll(() => stack?.stop());

  async function enrol(): Promise<{ id: string; hostname: string; token: string }> {
    const res = await stack.api.request('POST', '/v1/admin/devices', { token: stack.admin, body: {} });
    return res.body;
  }

  async function untilFinished(token: string, id: string) {
    const res = await waitFor(
      () => stack.api.request('GET', `/v1/certificates/${id}`, { token }),
      (r) => r.body.status === 'valid' || r.body.status === 'failed',
      { timeoutMs: 60_000, what: `request ${id} to finish` },
    );
    return res.body;
  }

  it('should issue a certificate for the device hostname that chains to the CA root', async () => {
    const device = await enrol();
    await stack.api.request('PUT', '/v1/device/addresses', {
      token: device.token,
      body: { ipv4: '192.168.7.7' },
    });
    const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [device.hostname] });
    const submitted = await stack.api.request('POST', '/v1/certificates', {
      token: device.token,
      body: { csr },
    });
    expect(submitted.status).toBe(202);

    const done = await untilFinished(device.token, submitted.body.id);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'valid', error: undefined });
    const cert = parseCertificateChain(done.certificate);
    expect(cert.dnsNames).toEqual([device.hostname]);
    expect(await verifyChainTo(done.certificate, await stack.pebble.rootCertificatePem())).toBe(true);
    expect(new Date(done.notAfter).getTime()).toBe(cert.notAfter.getTime());
    expect(new Date(done.renewal.windowStart).getTime()).toBeLessThan(cert.notAfter.getTime());

    // The challenge record is gone, the device's address record is untouched.
    expect(await stack.bind.query(`_acme-challenge.${device.hostname}`, 'TXT')).toEqual([]);
    expect(await stack.bind.query(device.hostname, 'A')).toEqual(['192.168.7.7']);
    const stored = await prisma.certificate.findUniqueOrThrow({ where: { requestId: submitted.body.id } });
    expect(stored.serial).toBe(cert.serialHex);
    const challenges = await prisma.challenge.findMany({ where: { requestId: submitted.body.id } });
    expect(challenges.map((c) => c.status)).toEqual(['valid']);

    const me = await stack.api.request('GET', '/v1/device', { token: device.token });
    expect(me.body.certificates[0]).toMatchObject({
      id: submitted.body.id,
      status: 'valid',
      notAfter: done.notAfter,
    });
  });

  it('should create one ACME account and reuse it, its key sealed at rest', async () => {
    // Other suites of this run use their own CAs in the same database: look at this CA's.
    const accounts = await prisma.acmeAccount.findMany({
      where: { directoryUrl: stack.pebble.directoryUrl },
    });
    expect(accounts).toHaveLength(1);
    expect(accounts[0].accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    expect(Buffer.from(accounts[0].keyCiphertext).toString('latin1')).not.toContain('PRIVATE KEY');
  });

  it('should refuse a CSR made with the ACME account key (422, nothing stored)', async () => {
    const account = await prisma.acmeAccount.findFirstOrThrow();
    const box = new SecretBox(stack.api.config.encryption.keys);
    const keyPem = box.open(account.keyCiphertext, account.directoryUrl).toString('utf8');
    const keys = await importEcKeyPair(keyPem);
    const device = await enrol();
    const csr = await makeCsr({ keys, dns: [device.hostname] });
    const before = await prisma.certificateRequest.count();
    const res = await stack.api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/account key/i);
    expect(await prisma.certificateRequest.count()).toBe(before);
  });

  it('should issue valid certificates to 50 devices submitting at once', async () => {
    const devices = await Promise.all(Array.from({ length: 50 }, () => enrol()));
    const submissions = await Promise.all(
      devices.map(async (d) => {
        const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [d.hostname] });
        const res = await stack.api.request('POST', '/v1/certificates', { token: d.token, body: { csr } });
        expect(res.status).toBe(202);
        return { device: d, id: res.body.id as string };
      }),
    );
    const results = await Promise.all(submissions.map((s) => untilFinished(s.device.token, s.id)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill('valid'));
    results.forEach((r, i) =>
      expect(parseCertificateChain(r.certificate).dnsNames).toEqual([devices[i].hostname]),
    );
  });

  it('should record a CA refusal as failed with the CA detail', async () => {
    // Pebble refuses every name under "blocked." (see the stack's blocklist).
    const created = await stack.api.request('POST', '/v1/admin/devices', {
      token: stack.admin,
      body: { label: 'blocked' },
    });
    const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [created.body.hostname] });
    const submitted = await stack.api.request('POST', '/v1/certificates', {
      token: created.body.token,
      body: { csr },
    });
    const done = await untilFinished(created.body.token, submitted.body.id);
    expect(done.status).toBe('failed');
    expect(done.error.type).toBe('urn:ietf:params:acme:error:rejectedIdentifier');
    expect(done.error.detail).toContain('blocked');
  });

  // Last: it counts what the tests above issued and refused.
  it("should count the worker's orders and ACME errors on the worker's own /metrics", async () => {
    const res = await fetch(stack.worker!.metricsUrl());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const issued = await prisma.certificateRequest.count({ where: { status: 'valid' } });
    expect(issued).toBeGreaterThanOrEqual(51);
    expect(metricValue(text, 'fleetcert_certificate_requests_total', { outcome: 'valid' })).toBe(issued);
    expect(metricValue(text, 'fleetcert_certificate_requests_total', { outcome: 'failed' })).toBe(1);
    expect(metricValue(text, 'fleetcert_acme_order_duration_seconds_count', { challenge: 'dns-01' })).toBe(
      issued,
    );
    expect(metricValue(text, 'fleetcert_acme_errors_total', { type: 'rejectedIdentifier' })).toBe(1);
    expect(metricValue(text, 'fleetcert_dns_propagation_wait_seconds_count', {})).toBeGreaterThanOrEqual(
      issued,
    );
    // Every step of every issued order; the refused order got through the rate-limit model only.
    const step = (name: string) =>
      metricValue(text, 'fleetcert_acme_order_step_seconds_count', { step: name });
    expect(step('rate_limit')).toBe(issued + 1);
    for (const name of ['new_order', 'challenge_publish', 'ca_validation', 'finalize', 'download', 'store'])
      expect({ name, count: step(name) }).toEqual({ name, count: issued });
  });
});

/** The account's own P-256 key as a WebCrypto key pair, to sign a CSR with it. */
async function importEcKeyPair(pem: string): Promise<webcrypto.CryptoKeyPair> {
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await webcrypto.subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, alg, true, [
    'sign',
  ]);
  const { d: _d, ...pub } = jwk;
  const publicKey = await webcrypto.subtle.importKey('jwk', pub as webcrypto.JsonWebKey, alg, true, [
    'verify',
  ]);
  return { privateKey, publicKey };
}
