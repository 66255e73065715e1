import { randomBytes } from 'node:crypto';
import {
  AccountKeyChangedError,
  AccountKeyRolloverInProgressError,
  accountKeyThumbprint,
  AcmeCaOptions,
  AcmeClientCa,
  AcmeProblemError,
  dns01TxtValueOf,
  generateAccountKeyPem,
  PendingAccountKey,
} from '@fleetcert/acme';
import { PropagationChecker, Rfc2136Provider } from '@fleetcert/dns';
import { InMemoryAccountStore } from '../../libs/acme/src/testing/in-memory-account-store';
import { Bind9Handle, startBind9 } from '../support/bind9';
import { PebbleHandle, startPebble } from '../support/pebble';
import { createCsr, expectChainsTo } from './support/certificates';
import { dns01Peers, dns01Solver } from './support/dns01';
import { issue } from './support/issue';

const ZONE = 'devices.example.com';

/** A store that loses its process between the CA taking the new key and storing it. */
class CrashAfterKeyChangeStore extends InMemoryAccountStore {
  override async adoptKey(): Promise<void> {
    throw new Error('the process died here');
  }
}

describe('ACME account key rollover (RFC 8555 §7.3.5) against Pebble', () => {
  let bind: Bind9Handle;
  let pebble: PebbleHandle;
  let provider: Rfc2136Provider;
  let checker: PropagationChecker;
  const cas: AcmeClientCa[] = [];

  beforeAll(async () => {
    bind = await startBind9({ zone: ZONE });
    pebble = await startPebble({ dnsServer: { host: bind.host, port: bind.port } });
    ({ provider, checker } = dns01Peers(bind, ZONE));
  });

  afterAll(async () => {
    cas.forEach((ca) => ca.close());
    await pebble?.stop();
    await bind?.stop();
  });

  function caFor(store: InMemoryAccountStore, extra: Partial<AcmeCaOptions> = {}): AcmeClientCa {
    const ca = new AcmeClientCa({
      directoryUrl: pebble.directoryUrl,
      caBundlePem: pebble.caBundlePem,
      accountStore: store,
      account: { termsOfServiceAgreed: true },
      poll: { initialDelayMs: 20 },
      requestTimeoutMs: 5000,
      ...extra,
    });
    cas.push(ca);
    return ca;
  }

  async function issueOne(ca: AcmeClientCa): Promise<void> {
    const name = `${randomBytes(5).toString('hex')}.${ZONE}`;
    const csr = await createCsr({ dns: [name] });
    const { chainPem } = await issue(
      ca,
      [{ type: 'dns', value: name }],
      csr.der,
      dns01Solver(provider, checker, ZONE),
    );
    const [leaf] = expectChainsTo(chainPem, await pebble.rootCertificatePem());
    expect(leaf.subjectAltName).toBe(`DNS:${name}`);
  }

  const stored = async (store: InMemoryAccountStore) => (await store.load(pebble.directoryUrl))!;

  it('should move the account to a new key that the CA then takes instead of the old one', async () => {
    const store = new InMemoryAccountStore();
    const ca = caFor(store);
    const accountUrl = await ca.ensureAccount();
    const oldKeyPem = (await stored(store)).keyPem;

    const rolled = await ca.rollAccountKey();

    expect(rolled.accountUrl).toBe(accountUrl);
    expect(rolled.previousThumbprint).toBe(accountKeyThumbprint(oldKeyPem));
    expect(rolled.thumbprint).not.toBe(rolled.previousThumbprint);
    const after = await stored(store);
    expect(accountKeyThumbprint(after.keyPem)).toBe(rolled.thumbprint);
    expect(after.accountUrl).toBe(accountUrl);
    expect(after.nextKey).toBeUndefined();
    // The same account, the new key: orders go on.
    await issueOne(ca);
    expect(await ca.keyAuthorization('tok_AAAAAAAAAAAAAAAAAAAAAA')).toBe(
      `tok_AAAAAAAAAAAAAAAAAAAAAA.${rolled.thumbprint}`,
    );

    // The CA no longer accepts the old key for the account.
    const oldKeyOnly = new InMemoryAccountStore();
    await oldKeyOnly.save(pebble.directoryUrl, { keyPem: oldKeyPem });
    await oldKeyOnly.save(pebble.directoryUrl, { keyPem: oldKeyPem, accountUrl });
    const refused = await caFor(oldKeyOnly)
      .createOrder({ identifiers: [{ type: 'dns', value: `old-key.${ZONE}` }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AcmeProblemError);
    expect((refused as AcmeProblemError).code).toBe('malformed');
  });

  it('should let another process with the old key in memory carry on with the new one', async () => {
    const store = new InMemoryAccountStore();
    const roller = caFor(store);
    const other = caFor(store);
    await roller.ensureAccount();
    await other.ensureAccount(); // its session holds the old key
    const before = await other.keyAuthorization('tok_AAAAAAAAAAAAAAAAAAAAAA');

    const rolled = await roller.rollAccountKey();

    // Its first signed request is refused, it reads the stored key and repeats it.
    await issueOne(other);
    expect(await other.keyAuthorization('tok_AAAAAAAAAAAAAAAAAAAAAA')).toBe(
      `tok_AAAAAAAAAAAAAAAAAAAAAA.${rolled.thumbprint}`,
    );
    expect(before).toBe(`tok_AAAAAAAAAAAAAAAAAAAAAA.${rolled.previousThumbprint}`);
  });

  it('should roll over from a process whose session still holds a key rolled over elsewhere', async () => {
    const store = new InMemoryAccountStore();
    const first = caFor(store);
    const stale = caFor(store);
    await first.ensureAccount();
    await stale.ensureAccount();
    const elsewhere = await first.rollAccountKey();

    const rolled = await stale.rollAccountKey();

    expect(rolled.previousThumbprint).toBe(elsewhere.thumbprint);
    expect(accountKeyThumbprint((await stored(store)).keyPem)).toBe(rolled.thumbprint);
    await issueOne(stale);
    await issueOne(first);
  });

  it('should not answer a challenge published with the old key, and validate it once published again', async () => {
    const store = new InMemoryAccountStore();
    const ca = caFor(store);
    await ca.ensureAccount();
    const name = `${randomBytes(5).toString('hex')}.${ZONE}`;
    const order = await ca.createOrder({ identifiers: [{ type: 'dns', value: name }] });
    const authorization = await ca.getAuthorization(order.authorizations[0]);
    const challenge = authorization.challenges.find((c) => c.type === 'dns-01')!;
    const fqdn = `_acme-challenge.${name}`;
    const published = await ca.keyAuthorization(challenge.token);
    await provider.presentTxt(fqdn, dns01TxtValueOf(published));

    await ca.rollAccountKey();

    await expect(ca.answerChallenge(challenge.url, published)).rejects.toBeInstanceOf(AccountKeyChangedError);
    expect(
      (await ca.getAuthorization(authorization.url)).challenges.find((c) => c.type === 'dns-01')?.status,
    ).toBe('pending'); // nothing was sent: the authorization can still be won
    await provider.cleanUpTxt(fqdn, dns01TxtValueOf(published));

    const republished = await ca.keyAuthorization(challenge.token);
    await provider.presentTxt(fqdn, dns01TxtValueOf(republished));
    await checker.waitForTxt(ZONE, fqdn, dns01TxtValueOf(republished));
    await ca.answerChallenge(challenge.url, republished);
    expect((await ca.waitForAuthorization(authorization.url, new Date(Date.now() + 10_000))).status).toBe(
      'valid',
    );
    await provider.cleanUpTxt(fqdn, dns01TxtValueOf(republished));
  });

  it('should adopt the new key a crashed rollover left pending once the CA is found to hold it', async () => {
    const store = new CrashAfterKeyChangeStore();
    const crashing = caFor(store);
    const accountUrl = await crashing.ensureAccount();
    const oldKeyPem = (await stored(store)).keyPem;

    await expect(crashing.rollAccountKey()).rejects.toThrow('the process died here');
    const left = await stored(store);
    expect(left.keyPem).toBe(oldKeyPem); // never stored as the account key…
    expect(left.nextKey).toBeDefined(); // …but kept, so the account is not lost

    // The next process to open a session settles it (no wait in this test).
    const survivor = new InMemoryAccountStore();
    await survivor.save(pebble.directoryUrl, { keyPem: oldKeyPem });
    await survivor.save(pebble.directoryUrl, { keyPem: oldKeyPem, accountUrl });
    expect(await survivor.beginKeyRollover(pebble.directoryUrl, left.nextKey!)).toBe(true);
    const next = caFor(survivor, { rolloverSettleMs: 0 });
    expect(await next.ensureAccount()).toBe(accountUrl);
    const settled = await stored(survivor);
    expect(settled.keyPem).toBe(left.nextKey!.keyPem);
    expect(settled.nextKey).toBeUndefined();
    await issueOne(next);
  });

  it('should drop a pending key the CA never took, and keep the old one', async () => {
    const store = new InMemoryAccountStore();
    const accountUrl = await caFor(store).ensureAccount();
    const oldKeyPem = (await stored(store)).keyPem;
    const keyPem = generateAccountKeyPem();
    const pending: PendingAccountKey = {
      keyPem,
      thumbprint: accountKeyThumbprint(keyPem),
      storedAt: new Date(),
    };
    expect(await store.beginKeyRollover(pebble.directoryUrl, pending)).toBe(true);

    // Younger than the settle time: someone's rollover under way, left alone; a second one is refused.
    const patient = caFor(store);
    expect(await patient.ensureAccount()).toBe(accountUrl);
    expect((await stored(store)).nextKey?.thumbprint).toBe(pending.thumbprint);
    await expect(patient.rollAccountKey()).rejects.toBeInstanceOf(AccountKeyRolloverInProgressError);

    const settling = caFor(store, { rolloverSettleMs: 0 });
    expect(await settling.ensureAccount()).toBe(accountUrl);
    const after = await stored(store);
    expect(after.keyPem).toBe(oldKeyPem);
    expect(after.nextKey).toBeUndefined();
    await issueOne(settling);
  });
});
