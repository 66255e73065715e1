import { randomBytes } from 'node:crypto';
import {
  AcmeCaOptions,
  AcmeClientCa,
  AcmeProblemError,
  classifyAcmeError,
  RetryEvent,
} from '@fleetcert/acme';
import { PropagationChecker, Rfc2136Provider } from '@fleetcert/dns';
import { InMemoryAccountStore } from '../../libs/acme/src/testing/in-memory-account-store';
import { Bind9Handle, startBind9 } from '../support/bind9';
import { PebbleHandle, startPebble } from '../support/pebble';
import { createCsr, expectChainsTo } from './support/certificates';
import { dns01Peers, dns01Solver } from './support/dns01';
import { issue } from './support/issue';

const ZONE = 'devices.example.com';

describe('DNS-01 against Pebble and BIND9', () => {
  let bind: Bind9Handle;
  let pebble: PebbleHandle;
  let noncePebble: PebbleHandle;
  let provider: Rfc2136Provider;
  let checker: PropagationChecker;
  const cas: AcmeClientCa[] = [];

  beforeAll(async () => {
    bind = await startBind9({ zone: ZONE });
    const dnsServer = { host: bind.host, port: bind.port };
    [pebble, noncePebble] = await Promise.all([
      startPebble({ dnsServer, domainBlocklist: ['blocked.example.com'] }),
      startPebble({ dnsServer, nonceRejectPercent: 50 }),
    ]);
    ({ provider, checker } = dns01Peers(bind, ZONE));
  });

  afterAll(async () => {
    cas.forEach((ca) => ca.close());
    await Promise.all([pebble?.stop(), noncePebble?.stop()]);
    await bind?.stop();
  });

  function caFor(
    target: PebbleHandle,
    store = new InMemoryAccountStore(),
    extra: Partial<AcmeCaOptions> = {},
  ): AcmeClientCa {
    const ca = new AcmeClientCa({
      directoryUrl: target.directoryUrl,
      caBundlePem: target.caBundlePem,
      accountStore: store,
      account: { termsOfServiceAgreed: true, contact: ['mailto:ops@example.com'] },
      poll: { initialDelayMs: 20 },
      requestTimeoutMs: 5000,
      ...extra,
    });
    cas.push(ca);
    return ca;
  }

  const deviceName = () => `${randomBytes(5).toString('hex')}.${ZONE}`;

  it('should create the account once and reuse it', async () => {
    const store = new InMemoryAccountStore();
    const first = await caFor(pebble, store).ensureAccount();
    expect(first).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    expect(await caFor(pebble, store).ensureAccount()).toBe(first);
    expect(store.saves.get(pebble.directoryUrl)).toBe(2); // the key, then its URL: no second registration

    // Same key, URL lost: newAccount answers with the existing account.
    const keyOnly = new InMemoryAccountStore();
    await keyOnly.save(pebble.directoryUrl, { keyPem: (await store.load(pebble.directoryUrl))!.keyPem });
    expect(await caFor(pebble, keyOnly).ensureAccount()).toBe(first);
  });

  it('should issue a certificate for a device name', async () => {
    const ca = caFor(pebble);
    await ca.ensureAccount();
    const name = deviceName();
    const csr = await createCsr({ dns: [name] });

    const started = performance.now();
    const { chainPem } = await issue(
      ca,
      [{ type: 'dns', value: name }],
      csr.der,
      dns01Solver(provider, checker, ZONE),
    );
    const elapsedMs = performance.now() - started;

    const [leaf] = expectChainsTo(chainPem, await pebble.rootCertificatePem());
    expect(leaf.subjectAltName).toBe(`DNS:${name}`);
    expect(leaf.checkHost(name)).toBe(name);
    expect(await bind.query(`_acme-challenge.${name}`, 'TXT')).toEqual([]); // cleaned up
    if (process.env.FLEETCERT_TEST_TIMINGS) console.info(`dns-01 issuance: ${elapsedMs.toFixed(0)} ms`);
  });

  it('should still issue when Pebble rejects half of all good nonces', async () => {
    const retries: RetryEvent[] = [];
    const ca = caFor(noncePebble, undefined, {
      // At 50% a call needs n attempts with probability 2^-n: 20 keeps this test from flaking.
      retry: { badNonceAttempts: 20 },
      onRetry: (event) => retries.push(event),
    });
    const names = [deviceName(), deviceName()];
    const csr = await createCsr({ dns: names });
    const { chainPem } = await issue(
      ca,
      names.map((value) => ({ type: 'dns' as const, value })),
      csr.der,
      dns01Solver(provider, checker, ZONE),
    );
    const [leaf] = expectChainsTo(chainPem, await noncePebble.rootCertificatePem());
    expect(leaf.subjectAltName?.split(', ').sort()).toEqual(names.map((n) => `DNS:${n}`).sort());
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((event) => event.reason === 'badNonce' && event.delayMs === 0)).toBe(true);
  });

  it('should classify a refused identifier as a permanent failure', async () => {
    const ca = caFor(pebble);
    const error = await ca
      .createOrder({ identifiers: [{ type: 'dns', value: 'x.blocked.example.com' }] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(AcmeProblemError);
    expect(error).toMatchObject({ code: 'rejectedIdentifier', status: 400 });
    expect(classifyAcmeError(error)).toMatchObject({
      kind: 'fail',
      type: 'urn:ietf:params:acme:error:rejectedIdentifier',
    });
  });

  it('should classify a failed validation as a permanent failure', async () => {
    const ca = caFor(pebble);
    const name = deviceName();
    const order = await ca.createOrder({ identifiers: [{ type: 'dns', value: name }] });
    const authorization = await ca.getAuthorization(order.authorizations[0]);
    const challenge = authorization.challenges.find((c) => c.type === 'dns-01')!;
    // No TXT record was published.
    await ca.answerChallenge(challenge.url, await ca.keyAuthorization(challenge.token));
    const error = await ca
      .waitForAuthorization(authorization.url, new Date(Date.now() + 10_000))
      .catch((e) => e);
    expect(error).toBeInstanceOf(AcmeProblemError);
    expect(error.identifier).toEqual({ type: 'dns', value: name });
    if (process.env.FLEETCERT_TEST_TIMINGS) console.info(error.type, error.detail);
    expect(classifyAcmeError(error).kind).toBe('fail');
    const orderError = await ca
      .waitForOrder(order.url, ['ready'], new Date(Date.now() + 5000))
      .catch((e) => e);
    expect(orderError).toBeInstanceOf(AcmeProblemError);
  });
});
