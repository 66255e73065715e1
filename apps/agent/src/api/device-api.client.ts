import { ApiError, parseRetryAfter, ProtocolError } from './api-errors';
import type { AddressUpdate, CertificateRequestView, DeviceView, PendingChallenge } from './device-api.types';
import { REQUEST_STATUSES } from './device-api.types';
import { HttpClient, HttpResponse } from './http-client';

/** Options of a CSR submission besides the CSR. */
export interface SubmitOptions {
  /** ACME profile; the server's choice when absent. */
  profile?: string;
  /**
   * IP certificates: how the device serves http-01. `proxy` when port 80 reaches the
   * server's responder (forwarded, proxied or redirected), `pull` when the device serves
   * the challenges it fetches (the server then waits for the fetch).
   */
  http01Mode?: 'proxy' | 'pull';
}

/** An http-01 token as the server's responder accepts it. */
export const CHALLENGE_TOKEN = /^[A-Za-z0-9_-]{22,128}$/;

/**
 * The control server's device API with this device's credential. Every method throws
 * {@link ApiError} for an error status, `ServerUnreachableError` when there is no answer
 * and {@link ProtocolError} for an answer it cannot read.
 */
export class DeviceApiClient {
  constructor(
    private readonly http: HttpClient,
    private readonly token: string,
    /** Called whenever the server answered (any status below 500), for `status`'s "last contact". */
    private readonly onContact: () => void = () => undefined,
  ) {}

  async getDevice(): Promise<DeviceView> {
    const body = await this.call('GET', '/v1/device');
    if (!isObject(body) || typeof body.hostname !== 'string' || !isObject(body.addresses)) {
      throw new ProtocolError('GET /v1/device: unexpected answer');
    }
    return body as unknown as DeviceView;
  }

  async updateAddresses(update: AddressUpdate): Promise<{ changed?: boolean }> {
    return (await this.call('PUT', '/v1/device/addresses', update)) as { changed?: boolean };
  }

  /**
   * Submits a CSR. The idempotency key makes a retry after a lost answer return the same
   * request instead of creating a second one.
   */
  async submitCsr(
    csr: string,
    options: SubmitOptions,
    idempotencyKey: string,
  ): Promise<CertificateRequestView> {
    const body = {
      csr,
      ...(options.profile && { profile: options.profile }),
      ...(options.http01Mode && { http01Mode: options.http01Mode }),
    };
    const view = await this.call('POST', '/v1/certificates', body, { 'idempotency-key': idempotencyKey });
    return checkRequestView(view, 'POST /v1/certificates');
  }

  async getRequest(id: string): Promise<CertificateRequestView> {
    const body = await this.call('GET', `/v1/certificates/${encodeURIComponent(id)}`);
    return checkRequestView(body, 'GET /v1/certificates/{id}');
  }

  async listChallenges(): Promise<PendingChallenge[]> {
    const body = await this.call('GET', '/v1/device/challenges');
    if (!Array.isArray(body)) throw new ProtocolError('GET /v1/device/challenges: expected a list');
    return body.filter(
      (c): c is PendingChallenge =>
        isObject(c) &&
        typeof c.token === 'string' &&
        CHALLENGE_TOKEN.test(c.token) &&
        typeof c.keyAuthorization === 'string' &&
        c.keyAuthorization.startsWith(`${c.token}.`),
    );
  }

  /**
   * Asks the server's public responder for the answer to `token` (no credential: that
   * endpoint is public, and the device token must not travel where it is not needed).
   *
   * @returns the key authorization, or `null` when the server has no such pending challenge
   */
  async fetchChallengeAnswer(token: string): Promise<string | null> {
    const res = await this.http.request('GET', `/.well-known/acme-challenge/${token}`, {
      headers: { accept: 'text/plain' },
    });
    if (res.status === 404) return null;
    if (res.status !== 200) throw toApiError(res);
    const answer = res.body.trim();
    if (!answer.startsWith(`${token}.`) || answer.length > 512) {
      throw new ProtocolError('challenge responder: unexpected answer');
    }
    return answer;
  }

  /** The server's public responder URL for a token (what redirect mode sends the CA to). */
  challengeUrl(token: string): string {
    return this.http.url(`/.well-known/acme-challenge/${token}`);
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    const res = await this.http.request(method, path, {
      body,
      headers: { ...headers, authorization: `Bearer ${this.token}` },
    });
    if (res.status < 500) this.onContact();
    if (res.status < 200 || res.status >= 300) throw toApiError(res);
    try {
      return res.body ? JSON.parse(res.body) : undefined;
    } catch {
      throw new ProtocolError(`${method} ${path}: the answer is not JSON (a proxy in the way?)`);
    }
  }
}

function toApiError(res: HttpResponse): ApiError {
  let message = `HTTP ${res.status}`;
  try {
    const body = JSON.parse(res.body) as { message?: unknown; error?: unknown };
    const text = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    if (typeof text === 'string' && text)
      message = `${res.status} ${String(body.error ?? '')}: ${text}`.replace(' :', ':');
  } catch {
    // not the server's error shape (e.g. a proxy's HTML page): the status says enough
  }
  const retryAfter = res.headers['retry-after'];
  return new ApiError(
    res.status,
    message,
    parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
  );
}

function checkRequestView(body: unknown, what: string): CertificateRequestView {
  if (
    !isObject(body) ||
    typeof body.id !== 'string' ||
    !REQUEST_STATUSES.includes(body.status as never) ||
    !Array.isArray(body.identifiers)
  ) {
    throw new ProtocolError(`${what}: unexpected answer`);
  }
  return body as unknown as CertificateRequestView;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
