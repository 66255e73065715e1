import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ServerUnreachableError } from './api-errors';

export interface HttpClientOptions {
  /** Server base URL, e.g. `https://fleet.example.com` or `https://example.com/fleetcert`. */
  baseUrl: string;
  /** PEM bundle trusted for the server's TLS certificate instead of the system roots. */
  caPem?: string;
  timeoutMs: number;
  userAgent: string;
  /** Larger answers are cut off as an error. Default 1 MiB. */
  maxResponseBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A small HTTP(S) client on Node's own modules (nothing to install on a device): keep-alive
 * connections, server certificate checked against the system roots or the configured CA
 * bundle, a timeout on every request, a cap on answer sizes.
 */
export class HttpClient {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly base: URL;
  private readonly maxBytes: number;

  constructor(private readonly options: HttpClientOptions) {
    this.base = new URL(options.baseUrl.replace(/\/*$/, '/'));
    this.maxBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.agent =
      this.base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 8, ...(options.caPem && { ca: options.caPem }) })
        : new HttpAgent({ keepAlive: true, maxSockets: 8 });
  }

  /** `path` is relative to the base URL (`/v1/device` → `<base>/v1/device`). */
  url(path: string): string {
    return new URL(path.replace(/^\/+/, ''), this.base).toString();
  }

  async request(
    method: string,
    path: string,
    opts: { headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<HttpResponse> {
    try {
      return await this.once(method, path, opts);
    } catch (err) {
      // A kept-alive connection the server closed meanwhile (e.g. it restarted): the
      // request never reached it, so sending it once more on a new connection is safe.
      if ((err as { reusedSocketReset?: boolean }).reusedSocketReset) return this.once(method, path, opts);
      throw err;
    }
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private once(
    method: string,
    path: string,
    opts: { headers?: Record<string, string>; body?: unknown },
  ): Promise<HttpResponse> {
    const url = this.url(path);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: 'application/json',
      ...opts.headers,
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const send = this.base.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = send(
        url,
        { method, headers, agent: this.agent, timeout: this.options.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.maxBytes) {
              res.destroy();
              reject(new ServerUnreachableError(url, tooLarge(this.maxBytes)));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (err) => reject(new ServerUnreachableError(url, err)));
        },
      );
      req.on('timeout', () => {
        const err: NodeJS.ErrnoException = new Error(`no answer within ${this.options.timeoutMs} ms`);
        err.code = 'ETIMEDOUT';
        req.destroy(err);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const wrapped = new ServerUnreachableError(url, err);
        if (req.reusedSocket && err.code === 'ECONNRESET') {
          Object.assign(wrapped, { reusedSocketReset: true });
        }
        reject(wrapped);
      });
      req.end(body);
    });
  }
}

function tooLarge(max: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`answer larger than ${max} bytes`);
  err.code = 'ERESPONSETOOLARGE';
  return err;
}
