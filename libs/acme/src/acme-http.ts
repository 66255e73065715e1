import { setMaxListeners } from 'node:events';
import { Agent as HttpAgent, ClientRequest, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { Client } from 'acme-client';
import { AxiosLikeResponse, httpClientOf } from './acme-client-internals';
import { AcmeClientClosedError } from './acme-client-closed.error';
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
  /** The `Link: <…>;rel="up"` target: the authorization a challenge belongs to (RFC 8555 §7.5.1). */
  up?: string;
}

const META = Symbol('fleetcert.acme.responseMeta');
/**
 * Above the number of signed requests one process has in flight (worker concurrency 32),
 * so a burst that returns them all keeps them for the next burst instead of fetching new
 * ones. The newest is used first; a stale one costs one badNonce retry, which carries a
 * fresh nonce.
 */
const MAX_POOLED_NONCES = 64;

/** The headers acme-client 5.4 sent through axios on every request, kept identical on the wire. */
const ACME_REQUEST_HEADERS: Readonly<Record<string, string>> = {
  accept: 'application/json, text/plain, */*',
  'content-type': 'application/jose+json',
};

/** What acme-client passes to `HttpClient.request` (only what we read). */
interface RequestOptions {
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
 * {@link attachTo} replaces the `request` and `getNonce` of each client instance, so
 * axios is never involved (its config merging, interceptors and transforms were ~5% of
 * the worker's CPU); acme-client still builds and signs every request:
 *
 * - the request goes out with the headers acme-client and axios sent, through our own
 *   keep-alive agent (with the extra CA bundle) and a hard timeout;
 * - an answer >= 400 becomes an {@link AcmeProblemError} (type, detail, status,
 *   Retry-After, subproblems) and a transport failure an {@link AcmeNetworkError}; acme-client
 *   retries neither, `withRetries` decides;
 * - `Replay-Nonce`s of POST answers are pooled and handed to the next signed request
 *   (RFC 8555 §7.2), saving a newNonce request per call; when the pool is empty the nonce
 *   comes from a `GET newNonce` (204), not acme-client's `HEAD`: Node closes a kept-alive
 *   connection after a HEAD answer without `Content-Length` (Pebble's), so every HEAD cost
 *   a new TLS handshake on both sides.
 */
export class AcmeHttp {
  readonly #options: AcmeHttpOptions;
  readonly #httpsAgent: HttpsAgent;
  readonly #httpAgent: HttpAgent;
  readonly #nonces: string[] = [];
  /** Aborted by {@link close}: later exchanges are refused, and waits between them end. */
  readonly #closing = new AbortController();
  /**
   * Exchanges in flight, for {@link close} to destroy. A set rather than the `signal`
   * option of `http.request`, which cost ~20 µs of CPU a request (its listener and
   * end-of-stream watch), ~0.3 ms a certificate.
   */
  readonly #inFlight = new Set<ClientRequest>();

  constructor(options: AcmeHttpOptions) {
    this.#options = options;
    // Every wait between requests (backoffs, polls) listens on it: hundreds in a busy worker.
    setMaxListeners(0, this.#closing.signal);
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
    http.request = async (url, method, opts = {}) => {
      const response = await this.#request(url, method, opts);
      attachMeta(response);
      return response;
    };
    http.getNonce = async () => this.#nonces.pop() ?? this.#freshNonce(await http.getResourceUrl('newNonce'));
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

  /** Aborted once {@link close} was called: waits between requests (retries, polls) end on it. */
  get closed(): AbortSignal {
    return this.#closing.signal;
  }

  /**
   * One exchange; throws {@link AcmeNetworkError} on transport failure or timeout, never for
   * an HTTP status, and {@link AcmeClientClosedError} once {@link close} was called.
   */
  send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    const { requestTimeoutMs, maxResponseBytes } = this.#options;
    const closing = this.#closing.signal;
    return new Promise<RawResponse>((resolve, reject) => {
      if (closing.aborted) {
        reject(new AcmeClientClosedError(method, url));
        return;
      }
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
      const settle = () => {
        settled = true;
        clearTimeout(timer);
        this.#inFlight.delete(req);
      };
      const fail = (error: Error & { code?: string }) => {
        if (settled) return;
        settle();
        // Whatever the socket said as it was torn down, the reason is the close.
        if (closing.aborted) reject(new AcmeClientClosedError(method, url));
        else if (error instanceof AcmeNetworkError) reject(error);
        else reject(new AcmeNetworkError(error.code ?? 'EIO', method, url, error.message, { cause: error }));
      };
      const outgoing: Record<string, string> = { 'user-agent': this.#options.userAgent, ...headers };
      if (body !== undefined) outgoing['content-length'] = String(Buffer.byteLength(body));
      const req = (secure ? httpsRequest : httpRequest)(target, {
        method,
        headers: outgoing,
        agent: secure ? this.#httpsAgent : this.#httpAgent,
      });
      this.#inFlight.add(req);
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
          settle();
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

  /**
   * Ends all traffic with the CA for good: exchanges in flight reject at once with
   * {@link AcmeClientClosedError}, as does every later one, and kept-alive connections are
   * closed. Without this, a shutdown waited for every call in flight against a CA that does
   * not answer to run out its retries (up to four request timeouts, with backoff between).
   */
  close(): void {
    this.#closing.abort();
    // Each destroyed request (and its answer, if one is arriving) ends in `fail`, which rejects.
    for (const req of this.#inFlight) req.destroy();
    this.#httpsAgent.destroy();
    this.#httpAgent.destroy();
  }

  /**
   * What acme-client's `HttpClient.request` did through axios, without axios: the same
   * request headers (acme-client's `Content-Type` on every request, axios' default
   * `Accept`, then the caller's), a JSON body, and `data` parsed as axios' default
   * `transformResponse` does (JSON when it parses, else the text: certificate chains).
   */
  async #request(url: string, method: string, opts: RequestOptions): Promise<AxiosLikeResponse> {
    const verb = method.toUpperCase();
    const headers = { ...ACME_REQUEST_HEADERS, ...plainHeaders(opts.headers) };
    const response = await this.send(verb, url, headers, requestBody(opts.data));
    // Only POST answers: newNonce's is being used by whoever asked for it.
    if (verb === 'POST') this.#poolNonce(response.headers['replay-nonce']);
    if (response.status >= 400) throw problemOf(verb, url, response);
    return { data: parseLikeAxios(response.body), status: response.status, headers: response.headers };
  }

  /** RFC 8555 §7.2 allows GET on newNonce (204, no body): unlike HEAD, it keeps the connection. */
  async #freshNonce(newNonceUrl: string): Promise<string> {
    const response = await this.send('GET', newNonceUrl, { ...ACME_REQUEST_HEADERS });
    if (response.status >= 400) throw problemOf('GET', newNonceUrl, response);
    const nonce = headerValue(response.headers['replay-nonce']);
    if (!nonce) {
      throw new AcmeNetworkError('EPROTO', 'GET', newNonceUrl, 'newNonce answered without a Replay-Nonce');
    }
    return nonce;
  }

  #poolNonce(nonce: unknown): void {
    if (typeof nonce !== 'string' || !nonce) return;
    this.#nonces.push(nonce);
    if (this.#nonces.length > MAX_POOLED_NONCES) this.#nonces.shift();
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
    up: upLink(headerValue(headers.link)),
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

/** The target of the `rel="up"` link in a `Link` header (RFC 8288): `<https://…/authz/1>;rel="up"`. */
function upLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const link of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(link);
    if (match && /;\s*rel="?up"?\s*(;|$)/.test(match[2])) return match[1];
  }
  return undefined;
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

/** axios' default `transformResponse`: a non-empty body that parses as JSON is returned parsed, anything else as it came. */
function parseLikeAxios(body: string): unknown {
  if (body === '') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
