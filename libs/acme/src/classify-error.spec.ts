import { AcmeDeadlineError } from './acme-deadline.error';
import { AcmeNetworkError } from './acme-network.error';
import { AcmeProblemError, acmeErrorType } from './acme-problem.error';
import { classifyAcmeError, DEFAULT_DEFER_MS } from './classify-error';

const NOW = Date.parse('2025-06-01T12:00:00Z');

function problem(code: string, status: number, retryAfter?: string): AcmeProblemError {
  return AcmeProblemError.fromResponse({
    status,
    body: JSON.stringify({ type: acmeErrorType(code), detail: `${code} detail` }),
    retryAfterHeader: retryAfter,
    method: 'POST',
    url: 'https://ca.example/acme/new-order',
    now: NOW,
  });
}

describe(classifyAcmeError.name, () => {
  it('should defer a rate limit until its Retry-After', () => {
    expect(classifyAcmeError(problem('rateLimited', 429, '3600'), NOW)).toEqual({
      kind: 'defer',
      retryAfter: new Date(NOW + 3600_000),
      type: 'urn:ietf:params:acme:error:rateLimited',
      detail: 'rateLimited detail',
    });
    expect(
      classifyAcmeError(problem('rateLimited', 429, 'Sun, 01 Jun 2025 14:00:00 GMT'), NOW).retryAfter,
    ).toEqual(new Date('2025-06-01T14:00:00Z'));
  });

  it('should defer a rate limit without Retry-After by the default', () => {
    expect(classifyAcmeError(problem('rateLimited', 429), NOW).retryAfter).toEqual(
      new Date(NOW + DEFAULT_DEFER_MS),
    );
    expect(classifyAcmeError(problem('malformed', 429), NOW).kind).toBe('defer');
  });

  it('should retry badNonce, serverInternal and any 5xx', () => {
    expect(classifyAcmeError(problem('badNonce', 400), NOW).kind).toBe('retry');
    expect(classifyAcmeError(problem('serverInternal', 500), NOW).kind).toBe('retry');
    const unavailable = AcmeProblemError.fromResponse({
      status: 503,
      body: '<h1>busy</h1>',
      retryAfterHeader: '30',
      now: NOW,
    });
    expect(classifyAcmeError(unavailable, NOW)).toMatchObject({
      kind: 'retry',
      retryAfter: new Date(NOW + 30_000),
      type: 'about:blank',
      detail: 'HTTP 503: <h1>busy</h1>',
    });
  });

  it('should ask for a new order without replaces on alreadyReplaced', () => {
    expect(classifyAcmeError(problem('alreadyReplaced', 409), NOW).kind).toBe('reorder');
  });

  it.each([
    ['malformed', 400],
    ['rejectedIdentifier', 400],
    ['unsupportedIdentifier', 400],
    ['caa', 403],
    ['unauthorized', 403],
    ['badCSR', 400],
    ['invalidProfile', 400],
    ['connection', 400],
    ['dns', 400],
    ['incorrectResponse', 403],
    ['userActionRequired', 403],
    ['accountDoesNotExist', 400],
  ])('should fail permanently on %s', (code, status) => {
    expect(classifyAcmeError(problem(code, status), NOW)).toMatchObject({
      kind: 'fail',
      type: acmeErrorType(code),
    });
  });

  it('should retry network errors and expired waits', () => {
    const network = new AcmeNetworkError('ECONNRESET', 'POST', 'https://ca.example/x', 'socket hang up');
    expect(classifyAcmeError(network, NOW)).toMatchObject({
      kind: 'retry',
      type: 'urn:fleetcert:acme:network',
    });
    const deadline = new AcmeDeadlineError('https://ca.example/order/1', 'processing', new Date(NOW));
    expect(classifyAcmeError(deadline, NOW)).toMatchObject({
      kind: 'retry',
      type: 'urn:fleetcert:acme:deadline',
    });
  });

  it('should fail anything else', () => {
    expect(classifyAcmeError(new TypeError('bug'), NOW)).toEqual({
      kind: 'fail',
      type: 'urn:fleetcert:acme:internal',
      detail: 'bug',
    });
  });
});

describe(AcmeProblemError.name, () => {
  it('should keep the whole problem document', () => {
    const error = AcmeProblemError.fromResponse({
      status: 400,
      body: JSON.stringify({
        type: 'urn:ietf:params:acme:error:compound',
        detail: 'Some identifiers were rejected',
        subproblems: [
          {
            type: 'urn:ietf:params:acme:error:rejectedIdentifier',
            detail: 'no',
            identifier: { type: 'dns', value: 'a.test' },
          },
          { type: 'urn:ietf:params:acme:error:caa', detail: 'CAA forbids' },
        ],
      }),
      method: 'post',
      url: 'https://ca.example/new-order',
    });
    expect(error).toMatchObject({
      code: 'compound',
      status: 400,
      method: 'POST',
      subproblems: [
        { code: 'rejectedIdentifier', detail: 'no', identifier: { type: 'dns', value: 'a.test' } },
        { code: 'caa', detail: 'CAA forbids' },
      ],
    });
    expect(error.message).toBe(
      'ACME compound (HTTP 400): Some identifiers were rejected [POST https://ca.example/new-order]',
    );
    expect(classifyAcmeError(error).kind).toBe('fail');
  });

  it('should take the status of a challenge error from the document', () => {
    const error = AcmeProblemError.fromDocument({
      type: acmeErrorType('dns'),
      detail: 'NXDOMAIN',
      status: 400,
    });
    expect(error).toMatchObject({ code: 'dns', status: 400, detail: 'NXDOMAIN' });
  });
});
