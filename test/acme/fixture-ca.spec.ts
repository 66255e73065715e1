import {
  AcmeCaOptions,
  AcmeClientCa,
  AcmeClientClosedError,
  AcmeDeadlineError,
  AcmeNetworkError,
  AcmeOrder,
  AcmeProblemError,
  classifyAcmeError,
  RetryEvent,
} from '@fleetcert/acme';
import { createHmac } from 'node:crypto';
import { InMemoryAccountStore } from '../../libs/acme/src/testing/in-memory-account-store';
import { FixtureCa } from './support/fixture-ca';
import { certificateWith } from './support/test-certificate';
import { waitFor } from '../support/wait-for';

const RATE_LIMITED = {
  type: 'urn:ietf:params:acme:error:rateLimited',
  detail: 'too many new orders recently',
};

describe('AcmeClientCa against a scripted CA', () => {
  let fixture: FixtureCa;
  let cas: AcmeClientCa[];

  beforeEach(async () => {
    fixture = new FixtureCa();
    await fixture.start();
    cas = [];
  });

  afterEach(async () => {
    cas.forEach((ca) => ca.close());
    await fixture.stop();
  });

  function newCa(extra: Partial<AcmeCaOptions> = {}): AcmeClientCa {
    const ca = new AcmeClientCa({
      directoryUrl: fixture.directoryUrl,
      accountStore: new InMemoryAccountStore(),
      account: { termsOfServiceAgreed: true, contact: ['mailto:ops@example.com'] },
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      poll: { initialDelayMs: 5, minRetryAfterMs: 0 },
      requestTimeoutMs: 1000,
      ...extra,
    });
    cas.push(ca);
    return ca;
  }

  describe('directory', () => {
    it('should expose profiles and the renewalInfo endpoint', async () => {
      const directory = await newCa().directory();
      expect(directory.meta.profiles).toEqual({
        classic: 'The same profile as always',
        shortlived: 'Short-lived certificates',
        tlsserver: 'Modern',
      });
      expect(directory.renewalInfo).toBe(`${fixture.url}/renewal-info`);
    });
  });

  describe('ensureAccount', () => {
    it('should register with terms, contact and an external account binding', async () => {
      const hmacKey = Buffer.from('an EAB key of thirty-two bytes!!').toString('base64url');
      const ca = newCa({
        account: {
          termsOfServiceAgreed: true,
          contact: ['mailto:ops@example.com'],
          externalAccountBinding: { kid: 'kid-1', hmacKey },
        },
      });
      expect(await ca.ensureAccount()).toBe(`${fixture.url}/acct/1`);
      const [registration] = fixture.posts('/account');
      const payload = registration.payload as Record<string, unknown>;
      expect(payload).toMatchObject({ termsOfServiceAgreed: true, contact: ['mailto:ops@example.com'] });
      expect(registration.protected).toMatchObject({ alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });

      const eab = payload.externalAccountBinding as { protected: string; payload: string; signature: string };
      expect(JSON.parse(Buffer.from(eab.protected, 'base64url').toString())).toEqual({
        alg: 'HS256',
        kid: 'kid-1',
        url: `${fixture.url}/account`,
      });
      expect(JSON.parse(Buffer.from(eab.payload, 'base64url').toString())).toEqual(
        registration.protected!.jwk,
      );
      const mac = createHmac('sha256', Buffer.from(hmacKey, 'base64url')).update(
        `${eab.protected}.${eab.payload}`,
      );
      expect(eab.signature).toBe(mac.digest('base64url'));
    });

    it('should identify itself and reuse Replay-Nonces instead of asking newNonce each time', async () => {
      const ca = newCa();
      await ca.ensureAccount();
      await ca.createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] });
      await ca.getOrder(`${fixture.url}/order/1`);
      await ca.getAuthorization(`${fixture.url}/authz/1`);
      expect(fixture.requests.filter((r) => r.path === '/nonce')).toHaveLength(1);
      const nonces = fixture.requests.filter((r) => r.method === 'POST').map((r) => r.protected!.nonce);
      expect(new Set(nonces).size).toBe(nonces.length);
      expect(fixture.requests[0].headers['user-agent']).toBe('fleetcert node-acme-client/5.4');
    });

    it('should ask newNonce with GET, which keeps the connection (Node drops it after a HEAD answer without Content-Length)', async () => {
      const ca = newCa();
      await ca.ensureAccount();
      expect(fixture.requests.filter((r) => r.path === '/nonce').map((r) => r.method)).toEqual(['GET']);
    });

    it('should send signed requests with the headers acme-client sent through axios', async () => {
      const ca = newCa();
      await ca.ensureAccount();
      const [registration] = fixture.requests.filter((r) => r.path === '/account');
      expect(registration.headers).toMatchObject({
        'content-type': 'application/jose+json',
        accept: 'application/json, text/plain, */*',
        'content-length': String(Buffer.byteLength(registration.body!)),
      });
    });
  });

  describe('createOrder', () => {
    it('should send profile and replaces in the newOrder payload as given', async () => {
      const ca = newCa();
      const order = await ca.createOrder({
        identifiers: [{ type: 'dns', value: 'a.example.com' }],
        profile: 'tlsserver',
        replaces: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
      });
      expect(order).toMatchObject({ url: `${fixture.url}/order/1`, status: 'pending' });
      expect(fixture.posts('/order')[0].payload).toEqual({
        identifiers: [{ type: 'dns', value: 'a.example.com' }],
        profile: 'tlsserver',
        replaces: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
      });
    });

    it('should surface alreadyReplaced as its own kind, without retrying', async () => {
      fixture.script('/order', {
        status: 409,
        body: { type: 'urn:ietf:params:acme:error:alreadyReplaced', detail: 'certificate already replaced' },
      });
      const ca = newCa();
      const error = await ca
        .createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }], replaces: 'abc.def' })
        .catch((e) => e);
      expect(error).toMatchObject({ code: 'alreadyReplaced', status: 409 });
      expect(classifyAcmeError(error).kind).toBe('reorder');
      expect(fixture.posts('/order')).toHaveLength(1);
    });

    it('should not retry rateLimited, and defer until its Retry-After', async () => {
      fixture.script('/order', { status: 429, body: RATE_LIMITED, headers: { 'retry-after': '3600' } });
      const ca = newCa();
      const before = Date.now();
      const error = await ca
        .createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] })
        .catch((e) => e);
      expect(error).toBeInstanceOf(AcmeProblemError);
      const verdict = classifyAcmeError(error);
      expect(verdict).toMatchObject({ kind: 'defer', type: RATE_LIMITED.type, detail: RATE_LIMITED.detail });
      expect(verdict.retryAfter!.getTime()).toBeGreaterThanOrEqual(before + 3600_000);
      expect(verdict.retryAfter!.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
      expect(fixture.posts('/order')).toHaveLength(1);
    });

    it('should retry 5xx answers, each attempt signed with a fresh nonce', async () => {
      fixture.script(
        '/order',
        { status: 503, raw: '<html>upstream unavailable</html>', headers: { 'content-type': 'text/html' } },
        { status: 500, body: { type: 'urn:ietf:params:acme:error:serverInternal', detail: 'oops' } },
      );
      const retries: RetryEvent[] = [];
      const ca = newCa({ onRetry: (event) => retries.push(event) });
      const order = await ca.createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] });
      expect(order.status).toBe('pending');
      const attempts = fixture.posts('/order');
      expect(attempts).toHaveLength(3);
      expect(new Set(attempts.map((a) => a.protected!.nonce)).size).toBe(3);
      expect(retries.map((r) => r.reason)).toEqual(['transient', 'transient']);
      expect((retries[0].error as AcmeProblemError).detail).toBe(
        'HTTP 503 Service Unavailable: <html>upstream unavailable</html>',
      );
    });

    it('should give up on 5xx after the configured attempts', async () => {
      const problem = {
        status: 500,
        body: { type: 'urn:ietf:params:acme:error:serverInternal', detail: 'down' },
      };
      fixture.script('/order', problem, problem, problem);
      const ca = newCa({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
      const error = await ca
        .createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] })
        .catch((e) => e);
      expect(error).toMatchObject({ code: 'serverInternal', status: 500 });
      expect(classifyAcmeError(error).kind).toBe('retry');
      expect(fixture.posts('/order')).toHaveLength(3);
    });

    it('should throw a 503 whose Retry-After is too long to wait out inline', async () => {
      fixture.script('/order', {
        status: 503,
        body: { type: 'about:blank' },
        headers: { 'retry-after': '120' },
      });
      const ca = newCa();
      const error = await ca
        .createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] })
        .catch((e) => e);
      expect(classifyAcmeError(error)).toMatchObject({ kind: 'retry', retryAfter: expect.any(Date) });
      expect(fixture.posts('/order')).toHaveLength(1);
    });

    it('should retry badNonce at once with a new nonce, re-signing the body', async () => {
      const badNonce = {
        status: 400,
        body: { type: 'urn:ietf:params:acme:error:badNonce', detail: 'stale' },
      };
      fixture.script('/order', badNonce, badNonce);
      const ca = newCa();
      await ca.createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] });
      const attempts = fixture.posts('/order');
      expect(attempts).toHaveLength(3);
      expect(new Set(attempts.map((a) => a.body)).size).toBe(3);
    });

    it('should time out a CA that does not answer, as a retryable network error', async () => {
      fixture.script('/order', 'hang', 'hang');
      const ca = newCa({ requestTimeoutMs: 150, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
      await ca.ensureAccount();
      const started = Date.now();
      const error = await ca
        .createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] })
        .catch((e) => e);
      expect(error).toBeInstanceOf(AcmeNetworkError);
      expect(error.code).toBe('ETIMEDOUT');
      expect(classifyAcmeError(error).kind).toBe('retry');
      expect(fixture.posts('/order')).toHaveLength(2);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('should report an unreachable CA as a network error', async () => {
      const url = fixture.directoryUrl;
      await fixture.stop();
      const ca = newCa({ directoryUrl: url, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
      const error = await ca.directory().catch((e) => e);
      expect(error).toBeInstanceOf(AcmeNetworkError);
      expect(error.code).toBe('ECONNREFUSED');
      await fixture.start(); // for afterEach
    });
  });

  describe('close', () => {
    // Timeouts, backoffs and polls far longer than the test's own timeout: only close can end these calls.
    const patient = {
      requestTimeoutMs: 120_000,
      retry: { baseDelayMs: 120_000, maxDelayMs: 120_000 },
      poll: { initialDelayMs: 120_000, minRetryAfterMs: 0 },
    };
    const received = (path: string, count = 1) =>
      waitFor(
        async () => fixture.requests.filter((r) => r.path === path).length,
        (n) => n >= count,
        { what: `the fixture CA to receive ${path}` },
      );

    it('should end a call waiting on a CA that does not answer, without retrying it', async () => {
      fixture.script('/order', 'hang');
      const ca = newCa(patient);
      await ca.ensureAccount();
      const pending = ca
        .createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] })
        .catch((e) => e);
      await received('/order');
      ca.close();
      const error = await pending;
      expect(error).toBeInstanceOf(AcmeClientClosedError);
      expect(error.code).toBe('ECANCELED');
      // Still a network error to whoever classifies it: the order resumes later.
      expect(error).toBeInstanceOf(AcmeNetworkError);
      expect(classifyAcmeError(error).kind).toBe('retry');
      expect(fixture.posts('/order')).toHaveLength(1);
    });

    it('should end a call backing off between retries', async () => {
      fixture.script('/order', { status: 500, body: { type: 'urn:ietf:params:acme:error:serverInternal' } });
      const ca = newCa(patient);
      await ca.ensureAccount();
      const pending = ca
        .createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] })
        .catch((e) => e);
      await received('/order');
      ca.close();
      expect(await pending).toBeInstanceOf(AcmeClientClosedError);
      expect(fixture.posts('/order')).toHaveLength(1);
    });

    it('should end a poll waiting out Retry-After', async () => {
      fixture.script('/order/1', {
        status: 200,
        headers: { 'retry-after': '120' },
        body: { status: 'processing', identifiers: [], authorizations: [], finalize: 'x' },
      });
      const ca = newCa(patient);
      const url = `${fixture.url}/order/1`;
      const pending = ca.waitForOrder(url, ['valid'], new Date(Date.now() + 600_000)).catch((e) => e);
      await received('/order/1');
      ca.close();
      const error = await pending;
      expect(error).toBeInstanceOf(AcmeClientClosedError);
      expect(error.url).toBe(url);
      expect(fixture.requests.filter((r) => r.path === '/order/1')).toHaveLength(1);
    });

    it('should refuse every later call without a request, and may be called again', async () => {
      const ca = newCa(patient);
      ca.close();
      ca.close();
      expect(await ca.directory().catch((e) => e)).toBeInstanceOf(AcmeClientClosedError);
      expect(await ca.ensureAccount().catch((e) => e)).toBeInstanceOf(AcmeClientClosedError);
      expect(fixture.requests).toEqual([]);
    });
  });

  describe('polling', () => {
    it('should honour Retry-After while an order is processing', async () => {
      const processing = {
        status: 200,
        headers: { 'retry-after': '1' },
        body: { status: 'processing', identifiers: [], authorizations: [], finalize: `x` },
      };
      fixture.script('/order/1', processing);
      fixture.script('/order/1', {
        status: 200,
        body: {
          status: 'valid',
          identifiers: [],
          authorizations: [],
          finalize: 'x',
          certificate: `${fixture.url}/cert/1`,
        },
      });
      const ca = newCa();
      const started = Date.now();
      const order = await ca.waitForOrder(`${fixture.url}/order/1`, ['valid'], new Date(Date.now() + 5000));
      expect(order.certificate).toBe(`${fixture.url}/cert/1`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it("should look at an answered challenge's authorization only after the CA's Retry-After", async () => {
      const authorization = (status: string) => ({
        status: 200,
        body: { status, identifier: { type: 'dns', value: 'a.example.com' }, challenges: [] },
      });
      fixture.script('/chall/1', {
        status: 200,
        headers: { link: `<${fixture.url}/authz/1>;rel="up"`, 'retry-after': '1' },
        body: {
          type: 'dns-01',
          url: `${fixture.url}/chall/1`,
          token: 'tok_AAAAAAAAAAAAAAAAAAAAAA',
          status: 'processing',
        },
      });
      fixture.script('/authz/1', authorization('valid'));
      const ca = newCa();
      await ca.answerChallenge(
        `${fixture.url}/chall/1`,
        await ca.keyAuthorization('tok_AAAAAAAAAAAAAAAAAAAAAA'),
      );
      const answeredAt = Date.now();
      const valid = await ca.waitForAuthorization(`${fixture.url}/authz/1`, new Date(Date.now() + 5000));
      expect(valid.status).toBe('valid');
      const polls = fixture.requests.filter((r) => r.path === '/authz/1');
      expect(polls).toHaveLength(1);
      expect(polls[0].at - answeredAt).toBeGreaterThanOrEqual(950);
    });

    it('should look at once at an authorization it did not see answered', async () => {
      fixture.script('/authz/1', {
        status: 200,
        body: { status: 'valid', identifier: { type: 'dns', value: 'a.example.com' }, challenges: [] },
      });
      const ca = newCa({ poll: { initialDelayMs: 2000, minRetryAfterMs: 0 } });
      const started = Date.now();
      await ca.waitForAuthorization(`${fixture.url}/authz/1`, new Date(Date.now() + 5000));
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('should stop at the deadline with AcmeDeadlineError', async () => {
      const ca = newCa();
      const deadline = new Date(Date.now() + 200);
      const error = await ca.waitForAuthorization(`${fixture.url}/authz/1`, deadline).catch((e) => e);
      expect(error).toBeInstanceOf(AcmeDeadlineError);
      expect(error.lastStatus).toBe('pending');
      expect(Date.now()).toBeGreaterThanOrEqual(deadline.getTime());
      expect(Date.now()).toBeLessThan(deadline.getTime() + 500);
      expect(classifyAcmeError(error).kind).toBe('retry');
    });

    it('should refuse to wait for valid on a ready order', async () => {
      fixture.script('/order/1', {
        status: 200,
        body: { status: 'ready', identifiers: [], authorizations: [], finalize: 'x' },
      });
      const error = await newCa()
        .waitForOrder(`${fixture.url}/order/1`, ['valid'], new Date(Date.now() + 1000))
        .catch((e) => e);
      expect(error.message).toMatch(/is "ready", not one of valid/);
    });
  });

  describe('finalize', () => {
    it('should treat orderNotReady on an order already processing as success', async () => {
      fixture.script('/finalize/1', {
        status: 403,
        body: { type: 'urn:ietf:params:acme:error:orderNotReady', detail: 'order is processing' },
      });
      fixture.script('/order/1', {
        status: 200,
        body: { status: 'processing', identifiers: [], authorizations: [], finalize: 'x' },
      });
      const ca = newCa();
      const order = await ca.createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] });
      const finalized = await ca.finalize(order, Buffer.from([0x30, 0x00]));
      expect(finalized.status).toBe('processing');
    });

    /** A new order, finalized as the worker does once its authorizations are valid. */
    async function finalizeAuthorizedOrder(): Promise<AcmeOrder> {
      const ca = newCa();
      const order = await ca.createOrder({ identifiers: [{ type: 'dns', value: 'a.example.com' }] });
      return ca.finalizeAuthorized(order, Buffer.from([0x30, 0x00]), new Date(Date.now() + 5000));
    }

    it('should finalize an authorized order at once, without polling it for ready', async () => {
      const finalized = await finalizeAuthorizedOrder();
      expect(finalized.status).toBe('processing');
      expect(fixture.posts('/finalize/1')).toHaveLength(1);
      expect(fixture.posts('/order/1')).toHaveLength(0);
    });

    it('should wait for ready and finalize again when the CA answers orderNotReady', async () => {
      const notReady = {
        status: 403,
        body: { type: 'urn:ietf:params:acme:error:orderNotReady', detail: 'order is pending' },
      };
      const orderIn = (status: string) => ({
        status: 200,
        body: { status, identifiers: [], authorizations: [], finalize: `${fixture.url}/finalize/1` },
      });
      fixture.script('/finalize/1', notReady);
      // finalize's own look (still pending), then the wait's polls: pending, ready.
      fixture.script('/order/1', orderIn('pending'), orderIn('pending'), orderIn('ready'));
      const finalized = await finalizeAuthorizedOrder();
      expect(finalized.status).toBe('processing');
      expect(fixture.posts('/finalize/1')).toHaveLength(2);
      expect(fixture.posts('/order/1')).toHaveLength(3);
    });

    it('should pass on any other finalize error', async () => {
      fixture.script('/finalize/1', {
        status: 403,
        body: { type: 'urn:ietf:params:acme:error:badCSR', detail: 'key too small' },
      });
      const error = await finalizeAuthorizedOrder().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AcmeProblemError);
      expect((error as AcmeProblemError).code).toBe('badCSR');
      expect(fixture.posts('/order/1')).toHaveLength(0);
    });
  });

  describe('renewalInfo', () => {
    it('should fetch ARI by certID and clamp its Retry-After to at least a minute', async () => {
      const certPem = await certificateWith('0087654321', '69885b6b87464041e1b37b847ba0ae2cde01c8d4');
      fixture.script('/renewal-info/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE', {
        status: 200,
        headers: { 'retry-after': '10' },
        body: {
          suggestedWindow: { start: '2025-01-05T00:00:00Z', end: '2025-01-06T00:00:00Z' },
          explanationURL: 'https://example.com/why',
        },
      });
      const before = Date.now();
      const info = await newCa().renewalInfo(certPem);
      expect(info).toEqual({
        suggestedWindow: { start: new Date('2025-01-05T00:00:00Z'), end: new Date('2025-01-06T00:00:00Z') },
        explanationUrl: 'https://example.com/why',
        retryAfter: expect.any(Date),
      });
      expect(info!.retryAfter.getTime()).toBeGreaterThanOrEqual(before + 60_000);
      expect(fixture.requests.find((r) => r.path.startsWith('/renewal-info/'))?.method).toBe('GET');
    });

    it('should answer undefined when the CA has no ARI', async () => {
      delete fixture.directory.renewalInfo;
      const certPem = await certificateWith('01', '0102');
      expect(await newCa().renewalInfo(certPem)).toBeUndefined();
    });
  });
});
