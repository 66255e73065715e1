import { createServer, Server } from 'node:http';
import { once } from 'node:events';
import { AcmeCaOptions, AcmeClientCa, AcmeNetworkError, classifyAcmeError } from '@fleetcert/acme';
import { InMemoryAccountStore } from '../../libs/acme/src/testing/in-memory-account-store';
import { PebbleHandle, startPebble } from '../support/pebble';
import { createCsr, expectChainsTo } from './support/certificates';
import { ChallengeSolver, issue } from './support/issue';

describe('http-01 for an IP identifier against Pebble', () => {
  let pebble: PebbleHandle;
  let responder: Server;
  const served = new Map<string, string>();
  const requests: string[] = [];

  beforeAll(async () => {
    pebble = await startPebble();
    // Stands in for the device's port 80 forwarding to the control server's responder.
    responder = createServer((req, res) => {
      requests.push(req.url ?? '');
      const token = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]{22,})$/.exec(req.url ?? '')?.[1];
      const body = token && served.get(token);
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/plain' }).end(body || 'not found');
    });
    responder.listen(pebble.httpPort, '127.0.0.1');
    await once(responder, 'listening');
  });

  afterAll(async () => {
    await new Promise((resolve) => responder?.close(resolve));
    await pebble?.stop();
  });

  const solveHttp01: ChallengeSolver = async (ca, url, deadline) => {
    const authorization = await ca.getAuthorization(url);
    if (authorization.status === 'valid') return;
    const challenge = authorization.challenges.find((c) => c.type === 'http-01');
    if (!challenge) throw new Error('no http-01 challenge offered');
    const keyAuthorization = await ca.keyAuthorization(challenge.token);
    served.set(challenge.token, keyAuthorization);
    try {
      await ca.answerChallenge(challenge.url, keyAuthorization);
      await ca.waitForAuthorization(url, deadline);
    } finally {
      served.delete(challenge.token);
    }
  };

  const cas: AcmeClientCa[] = [];
  afterEach(() => cas.splice(0).forEach((ca) => ca.close()));

  function newCa(extra: Partial<AcmeCaOptions> = {}): AcmeClientCa {
    const ca = new AcmeClientCa({
      directoryUrl: pebble.directoryUrl,
      caBundlePem: pebble.caBundlePem,
      accountStore: new InMemoryAccountStore(),
      account: { termsOfServiceAgreed: true },
      poll: { initialDelayMs: 20 },
      ...extra,
    });
    cas.push(ca);
    return ca;
  }

  it('should issue a certificate for 127.0.0.1, then revoke it', async () => {
    const ca = newCa();
    const csr = await createCsr({ ip: ['127.0.0.1'] });
    const { chainPem } = await issue(ca, [{ type: 'ip', value: '127.0.0.1' }], csr.der, solveHttp01);
    const [leaf] = expectChainsTo(chainPem, await pebble.rootCertificatePem());
    expect(leaf.subjectAltName).toBe('IP Address:127.0.0.1');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(requests.some((r) => r.startsWith('/.well-known/acme-challenge/'))).toBe(true);

    await ca.revoke(chainPem, 4);
    const status = await pebble.managementGet(
      `/cert-status-by-serial/${leaf.serialNumber.toLowerCase().replace(/^0+/, '')}`,
    );
    expect(JSON.parse(status.body)).toMatchObject({ Status: 'Revoked', Reason: 4 });
  });

  it('should issue with the validity period Pebble is configured with', async () => {
    const shortPebble = await startPebble({ validityPeriodSeconds: 160 * 3600, httpPort: pebble.httpPort });
    try {
      const ca = newCa({ directoryUrl: shortPebble.directoryUrl, caBundlePem: shortPebble.caBundlePem });
      const csr = await createCsr({ ip: ['127.0.0.1'] });
      const { chainPem } = await issue(ca, [{ type: 'ip', value: '127.0.0.1' }], csr.der, solveHttp01);
      const [leaf] = expectChainsTo(chainPem, await shortPebble.rootCertificatePem());
      const lifetimeMs = Date.parse(leaf.validTo) - Date.parse(leaf.validFrom);
      expect(Math.abs(lifetimeMs - 160 * 3600_000)).toBeLessThanOrEqual(1000);
    } finally {
      await shortPebble.stop();
    }
  });

  it("should refuse the directory's TLS certificate without the CA bundle", async () => {
    const ca = newCa({ caBundlePem: undefined, retry: { maxAttempts: 1 } });
    const error = await ca.directory().catch((e) => e);
    expect(error).toBeInstanceOf(AcmeNetworkError);
    expect(error.message).toMatch(/self[- ]signed/i);
    expect(classifyAcmeError(error).kind).toBe('retry');
  });

  it('should register again when the CA does not know the stored account URL', async () => {
    const store = new InMemoryAccountStore();
    const first = newCa({ accountStore: store });
    const accountUrl = await first.ensureAccount();
    const { keyPem } = (await store.load(pebble.directoryUrl))!;
    // An account URL this Pebble never issued (as after a restart with the old database).
    const stale = new InMemoryAccountStore();
    const bogus = accountUrl.replace(/[^/]+$/, '999999');
    await stale.save(pebble.directoryUrl, { keyPem });
    await stale.save(pebble.directoryUrl, { keyPem, accountUrl: bogus });

    const ca = newCa({ accountStore: stale });
    expect(await ca.ensureAccount()).toBe(bogus);
    const order = await ca.createOrder({ identifiers: [{ type: 'ip', value: '127.0.0.1' }] });
    expect(order.status).toBe('pending');
    expect(await ca.ensureAccount()).toBe(accountUrl);
    expect((await stale.load(pebble.directoryUrl))!.accountUrl).toBe(accountUrl);
  });
});
