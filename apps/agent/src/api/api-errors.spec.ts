import { ApiError, isTransient, parseRetryAfter, ProtocolError, ServerUnreachableError } from './api-errors';

const cause = (code: string) => Object.assign(new Error(code), { code });

describe('api errors', () => {
  it.each([
    [new ServerUnreachableError('https://x.example/v1', cause('ECONNREFUSED')), true],
    [new ServerUnreachableError('https://x.example/v1', cause('ETIMEDOUT')), true],
    [new ProtocolError('html instead of json'), true],
    [new ApiError(503, 'down'), true],
    [new ApiError(429, 'slow down'), true],
    [new ApiError(408, 'timeout'), true],
    [new ApiError(400, 'bad'), false],
    [new ApiError(401, 'token'), false],
    [new ApiError(403, 'disabled'), false],
    [new ApiError(422, 'weak key'), false],
    [new ServerUnreachableError('https://x.example/v1', cause('DEPTH_ZERO_SELF_SIGNED_CERT')), false],
  ])('%s: transient %s', (err, transient) => expect(isTransient(err)).toBe(transient));

  it('should say what to do about an untrusted TLS certificate', () => {
    const err = new ServerUnreachableError(
      'https://fleet.example.com:8443/v1/device',
      cause('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
    );
    expect(err.tlsUntrusted).toBe(true);
    expect(err.message).toMatch(
      /^the TLS certificate of fleet.example.com:8443 is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    );
    expect(err.message).toContain('--ca-bundle');
  });

  it('should read Retry-After as seconds or as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
