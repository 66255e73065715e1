import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { Client } from 'acme-client';
import { AxiosLikeResponse, httpClientOf } from './acme-client-internals';
import { AcmeNetworkError } from './acme-network.error';
import { AcmeProblemError } from './acme-problem.error';
import { parseRetryAfter } from './retry-after';

/** Transport settings of one CA. */
export interface AcmeHttpOptions {
  /** Budget of one HTTP exchange (connect, send, whole answer), in ms. */
  requestTimeoutMs: number;
  /** Extra PEM certificates trusted for the CA's TLS, on top of Node's public roots (private CAs, Pebble). */
  caBundlePem?: string;
  /** Sent as `User-Agent` (CAs ask clients to identify themselves). */
  userAgent: string;
  /** Answers larger than this are refused, in bytes. */
  maxResponseBytes: number;
}

/** An answer as it came off the wire. */
export interface RawResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Headers of the answer an acme-client result object was parsed from (see {@link responseMeta}). */
export interface ResponseMeta {
  status: number;
  retryAfter?: Date;
  location?: string;
}

const META = Symbol('fleetcert.acme.responseMeta');
const MAX_POOLED_NONCES = 16;

/** What axios hands a custom adapter (only what we read). */
interface AxiosAdapterConfig {
  url?: string;
  method?: string;
  headers?: unknown;
  data?: unknown;
}

/**
 * All HTTP between us and one CA.
 *
 * acme-client 5.4 sends every request through one module-wide axios instance
 * (`acme.axios`), whose response interceptor retries 429/5xx and network errors by
 * resending the *same* signed body (its nonce is spent, so the CA answers badNonce), sets
 * no timeout, and turns a network error or timeout into a `TypeError` (it reads
 * `response.config` of an undefined response). Rather than change that shared instance,
 * {@link attachTo} gives each client instance a per-request axios `adapter` of ours:
 *
 * - the request goes out through our own keep-alive agent (with the extra CA bundle) and
 *   a hard timeout;
 * - an answer >= 400 becomes an {@link AcmeProblemError} (type, detail, status,
 *   Retry-After, subproblems) and a transport failure an {@link AcmeNetworkError}; both are
 *   thrown without an axios `config`, which makes acme-client's interceptor pass them
 *   through untouched — so acme-client never retries anything, and `withRetries` decides;
 * - `Replay-Nonce`s of POST answers are pooled and handed to the next signed request
 *   (RFC 8555 §7.2), saving a `HEAD newNonce` per call.
 */
export class AcmeHttp {
  readonly #options: AcmeHttpOptions;
  readonly #httpsAgent: HttpsAgent;
  readonly #httpAgent: HttpAgent;
  readonly #nonces: string[] = [];

  constructor(options: AcmeHttpOptions) {
    this.#options = options;
    this.#httpsAgent = new HttpsAgent({
      keepAlive: true,
      maxSockets: 16,
      // `ca` replaces Node's roots, so keep them and add the bundle. Built once as a secure
      // context: given as `ca`, the agent would parse all ~150 roots again for every new
      // connection and copy their PEM into the pool key of every request (most of the
      // worker's CPU in the benchmark, see BENCHMARKS.md).
      ...(options.caBundlePem && {
        secureContext: createSecureContext({ ca: [...rootCertificates, options.caBundlePem] }),
      }),
    });
    this.#httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  }

  /** Routes every request of `client` through this transport (see the class comment). */
  attachTo(client: Client): void {
    const http = httpClientOf(client);
    const request = http.request.bind(http);
    const getNonce = http.getNonce.bind(http);
    const adapter = (config: AxiosAdapterConfig) => this.#adapt(config);
    http.request = async (url, method, opts = {}) => {
      const response = await request(url, method, { ...opts, adapter });
      attachMeta(response);
      return response;
    };
    http.getNonce = async () => this.#nonces.pop() ?? getNonce();
  }

  /** Unauthenticated GET of a JSON resource (directory, renewalInfo). Throws like signed requests. */
  async getJson(url: string): Promise<{ body: unknown; headers: IncomingHttpHeaders }> {
    const response = await this.send('GET', url, { accept: 'application/json' });
    if (response.status >= 400) throw problemOf('GET', url, response);
    try {
      return { body: JSON.parse(response.body), headers: response.headers };
    } catch {
      throw new AcmeProblemError(
        { type: 'about:blank', detail: `answer of GET ${url} is not JSON` },
        { status: response.status, method: 'GET', url },
      );
    }
  }

  /** One exchange; throws {@link AcmeNetworkError} on transport failure or timeout, never for an HTTP status. */
  send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    const { requestTimeoutMs, maxResponseBytes } = this.#options;
    return new Promise<RawResponse>((resolve, reject) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        reject(new AcmeNetworkError('EINVAL', method, url, 'invalid URL'));
        return;
      }
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') {
        reject(new AcmeNetworkError('EINVAL', method, url, `unsupported protocol ${target.protocol}`));
        return;
      }
      let settled = false;
      const fail = (error: Error & { code?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(
          error instanceof AcmeNetworkError
            ? error
            : new AcmeNetworkError(error.code ?? 'EIO', method, url, error.message, { cause: error }),
        );
      };
      const outgoing: Record<string, string> = { 'user-agent': this.#options.userAgent, ...headers };
      if (body !== undefined) outgoing['content-length'] = String(Buffer.byteLength(body));
      const req = (secure ? httpsRequest : httpRequest)(target, {
        method,
        headers: outgoing,
        agent: secure ? this.#httpsAgent : this.#httpAgent,
      });
      const abort = (error: AcmeNetworkError) => {
        fail(error);
        req.destroy();
      };
      const timer = setTimeout(
        () =>
          abort(
            new AcmeNetworkError(
              'ETIMEDOUT',
              method,
              url,
              `no complete answer within ${requestTimeoutMs} ms`,
            ),
          ),
        requestTimeoutMs,
      );
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            abort(
              new AcmeNetworkError('EMSGSIZE', method, url, `answer larger than ${maxResponseBytes} bytes`),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new AcmeNetworkError('ECONNRESET', method, url, 'answer cut short'));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      req.end(body);
    });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#httpsAgent.destroy();
    this.#httpAgent.destroy();
  }

  async #adapt(config: AxiosAdapterConfig) {
    const method = (config.method ?? 'get').toUpperCase();
    const url = config.url ?? '';
    const response = await this.send(method, url, plainHeaders(config.headers), requestBody(config.data));
    // Only POST answers: a nonce from HEAD newNonce is already being used by whoever asked for it.
    const nonce = response.headers['replay-nonce'];
    if (method === 'POST' && typeof nonce === 'string' && nonce) {
      this.#nonces.push(nonce);
      if (this.#nonces.length > MAX_POOLED_NONCES) this.#nonces.shift();
    }
    if (response.status >= 400) throw problemOf(method, url, response);
    return {
      data: response.body,
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      config,
      request: {},
    };
  }
}

/** The status and headers behind an object returned by acme-client (`getOrder`, `createOrder`, ...), if any. */
export function responseMeta(data: unknown): ResponseMeta | undefined {
  return typeof data === 'object' && data !== null ? (data as { [META]?: ResponseMeta })[META] : undefined;
}

function attachMeta(response: AxiosLikeResponse): void {
  if (typeof response.data !== 'object' || response.data === null) return;
  const headers = response.headers ?? {};
  const meta: ResponseMeta = {
    status: response.status,
    retryAfter: parseRetryAfter(headerValue(headers['retry-after'])),
    location: headerValue(headers.location),
  };
  // Non-enumerable: invisible to JSON.stringify and spreads, survives acme-client adding `url`.
  Object.defineProperty(response.data, META, { value: meta, enumerable: false });
}

function problemOf(method: string, url: string, response: RawResponse): AcmeProblemError {
  return AcmeProblemError.fromResponse({
    status: response.status,
    statusText: response.statusText,
    body: response.body,
    retryAfterHeader: response.headers['retry-after'],
    method,
    url,
  });
}

function headerValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function plainHeaders(headers: unknown): Record<string, string> {
  if (!headers || typeof headers !== 'object') return {};
  const source =
    typeof (headers as { toJSON?: unknown }).toJSON === 'function'
      ? (headers as { toJSON(): Record<string, unknown> }).toJSON()
      : (headers as Record<string, unknown>);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || value === null || value === false) continue;
    // Ours wins; content-length is computed from the body we actually send.
    const lower = name.toLowerCase();
    if (lower === 'user-agent' || lower === 'content-length') continue;
    out[lower] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function requestBody(data: unknown): string | undefined {
  if (data === undefined || data === null) return undefined;
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return JSON.stringify(data);
}
