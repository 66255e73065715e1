import { PRISMA, PrismaClient } from '@fleetcert/db';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { FixtureCa } from '../acme/support/fixture-ca';
import { Bind9Handle, startBind9 } from '../support/bind9';
import { IssuanceStack, startIssuanceStack, submitForNewDevice } from '../support/issuance-stack';
import { waitFor } from '../support/wait-for';

const submit = submitForNewDevice;

function status(stack: IssuanceStack, r: { token: string; id: string }) {
  return async () => (await stack.api.request('GET', `/v1/certificates/${r.id}`, { token: r.token })).body;
}

describe('Issuance when the CA rejects half of all good nonces', () => {
  let stack: IssuanceStack;
  beforeAll(async () => {
    stack = await startIssuanceStack({
      zone: 'nonce.fleet.test',
      fleet: 'nonce',
      pebble: { nonceRejectPercent: 50 },
    });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('should still issue every certificate (badNonce is retried with a fresh nonce)', async () => {
    const requests = await Promise.all(Array.from({ length: 5 }, () => submit(stack)));
    const results = await Promise.all(
      requests.map((r) =>
        waitFor(status(stack, r), (b) => b.status === 'valid' || b.status === 'failed', {
          timeoutMs: 60_000,
        }),
      ),
    );
    expect(results.map((b) => b.status)).toEqual(Array(5).fill('valid'));
  });
});

describe('Issuance when the CA cannot validate the challenge', () => {
  let stack: IssuanceStack;
  let elsewhere: Bind9Handle;
  beforeAll(async () => {
    // The CA asks a second server for the zone, one that never sees our TXT records.
    elsewhere = await startBind9({ zone: 'invalid.fleet.test' });
    stack = await startIssuanceStack({
      zone: 'invalid.fleet.test',
      fleet: 'invalid',
      pebble: { dnsServer: { host: elsewhere.host, port: elsewhere.port } },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await elsewhere?.stop();
  });

  it("should fail the request with the CA's own detail and clean up the record", async () => {
    const r = await submit(stack);
    const done = await waitFor(status(stack, r), (b) => b.status === 'failed' || b.status === 'valid', {
      timeoutMs: 60_000,
    });
    expect(done.status).toBe('failed');
    expect(done.error.type).toMatch(/^urn:ietf:params:acme:error:(unauthorized|dns|incorrectResponse)$/);
    expect(done.error.detail.length).toBeGreaterThan(10);
    expect(await stack.bind.query(`_acme-challenge.${r.hostname}`, 'TXT')).toEqual([]);
    const prisma: PrismaClient = stack.api.app.get(PRISMA);
    expect((await prisma.challenge.findFirstOrThrow({ where: { requestId: r.id } })).status).toBe('invalid');
  });
});

describe('Issuance when the CA refuses to finalize', () => {
  let stack: IssuanceStack;
  beforeAll(async () => {
    stack = await startIssuanceStack({ zone: 'finalize.fleet.test', fleet: 'finalize', worker: false });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('should fail the request after a valid challenge, with its TXT record removed', async () => {
    const r = await submit(stack);
    // The stored CSR now names another host: the order (for the request's identifiers) is
    // authorized, and the CA refuses the CSR at finalize: a failure after a valid challenge,
    // which must still leave no TXT record behind and the challenge's verdict stored.
    const prisma: PrismaClient = stack.api.app.get(PRISMA);
    const other = await makeCsr({
      keys: await generateKeys({ ec: 'P-256' }),
      dns: [`other-${r.hostname}`],
    });
    await prisma.certificateRequest.update({ where: { id: r.id }, data: { csrPem: other } });
    await stack.startWorker();

    const done = await waitFor(status(stack, r), (b) => b.status === 'failed' || b.status === 'valid', {
      timeoutMs: 60_000,
    });
    expect(done.status).toBe('failed');
    // Pebble's words for a CSR that does not name the order's identifiers.
    expect(done.error).toEqual({
      type: 'urn:ietf:params:acme:error:unauthorized',
      detail: `CSR is missing Order domain "${r.hostname}"`,
    });
    expect(await stack.bind.query(`_acme-challenge.${r.hostname}`, 'TXT')).toEqual([]);
    expect((await prisma.challenge.findFirstOrThrow({ where: { requestId: r.id } })).status).toBe('valid');
  });
});

describe('Issuance when the CA answers rateLimited', () => {
  let stack: IssuanceStack;
  let ca: FixtureCa;
  beforeAll(async () => {
    ca = new FixtureCa();
    await ca.start();
    stack = await startIssuanceStack({
      zone: 'limited.fleet.test',
      fleet: 'limited',
      worker: false,
      env: { FLEETCERT_ACME_DIRECTORY_URL: ca.directoryUrl, FLEETCERT_ACME_CA_BUNDLE: undefined },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await ca?.stop();
  });

  it('should defer the request until Retry-After, then order again on its own', async () => {
    ca.script('/order', {
      status: 429,
      headers: { 'retry-after': '3' },
      body: { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many new orders recently' },
    });
    await stack.startWorker();
    const r = await submit(stack);
    const before = Date.now();
    const deferred = await waitFor(status(stack, r), (b) => b.status === 'deferred', {
      what: 'the request to be deferred',
    });
    expect(deferred.error).toEqual({
      type: 'urn:ietf:params:acme:error:rateLimited',
      detail: 'too many new orders recently',
    });
    const until = new Date(deferred.deferredUntil).getTime();
    expect(until).toBeGreaterThanOrEqual(before + 2_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3_500);
    expect(ca.posts('/order')).toHaveLength(1);

    // No busy loop while deferred; one new order once the time has come.
    await waitFor(
      async () => ca.posts('/order').length,
      (n) => n >= 2,
      { timeoutMs: 15_000, what: 'a second newOrder' },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(until);
  });
});
