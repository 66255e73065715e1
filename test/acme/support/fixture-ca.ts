import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

/** A request the fixture received, with its JWS decoded (signatures are not checked). */
export interface FixtureRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  protected?: Record<string, unknown>;
  payload?: unknown;
  /** Raw JWS body, to compare re-signed retries. */
  body?: string;
  /** When it arrived (epoch ms). */
  at: number;
}

/** A canned answer; `hang` never answers (to test timeouts). */
export type FixtureAnswer =
  { status: number; body?: unknown; headers?: Record<string, string>; raw?: string } | 'hang';

/**
 * A scripted stand-in for an ACME CA, over plain HTTP on loopback: the features Pebble 2.4
 * lacks (profiles, ARI, rate limits, 5xx) and exact control of each answer. Paths:
 * `/dir`, `/nonce`, `/account`, `/order`, `/order/1`, `/authz/1`, `/chall/1`, `/finalize/1`,
 * `/cert/1`, `/revoke`, `/renewal-info/<certID>`.
 */
export class FixtureCa {
  readonly requests: FixtureRequest[] = [];
  /** Answers queued per path, used before the default answer. */
  readonly scripts = new Map<string, FixtureAnswer[]>();
  directory: Record<string, unknown> = {};
  private server?: Server;
  private nonce = 0;
  private hanging: ServerResponse[] = [];

  get url(): string {
    const address = this.server?.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  get directoryUrl(): string {
    return `${this.url}/dir`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.directory = {
      newNonce: `${this.url}/nonce`,
      newAccount: `${this.url}/account`,
      newOrder: `${this.url}/order`,
      revokeCert: `${this.url}/revoke`,
      keyChange: `${this.url}/key-change`,
      renewalInfo: `${this.url}/renewal-info`,
      meta: {
        termsOfService: `${this.url}/terms`,
        profiles: {
          classic: 'The same profile as always',
          shortlived: 'Short-lived certificates',
          tlsserver: 'Modern',
        },
      },
    };
  }

  async stop(): Promise<void> {
    this.hanging.forEach((res) => res.destroy());
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  script(path: string, ...answers: FixtureAnswer[]): void {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...answers]);
  }

  /** Signed requests to `path`. */
  posts(path: string): FixtureRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0];
    const record: FixtureRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      at: Date.now(),
    };
    if (body) {
      const jws = JSON.parse(body) as { protected: string; payload: string };
      record.body = body;
      record.protected = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8'));
      record.payload =
        jws.payload === '' ? '' : JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));
    }
    this.requests.push(record);

    const scripted = this.scripts.get(path)?.shift();
    if (scripted === 'hang') {
      this.hanging.push(res);
      return;
    }
    const answer = scripted ?? (await this.defaultAnswer(record));
    const headers: Record<string, string> = { 'replay-nonce': `nonce-${++this.nonce}`, ...answer.headers };
    let text = answer.raw ?? '';
    if (answer.body !== undefined) {
      text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      headers['content-type'] ??= answer.status >= 400 ? 'application/problem+json' : 'application/json';
    }
    res.writeHead(answer.status, headers).end(text);
  }

  /** The answer when nothing is scripted for the path; subclasses extend it (see issuing-fixture-ca.ts). */
  protected defaultAnswer(
    request: FixtureRequest,
  ): Exclude<FixtureAnswer, 'hang'> | Promise<Exclude<FixtureAnswer, 'hang'>> {
    const u = this.url;
    const order = (status: string, extra: Record<string, unknown> = {}) => ({
      status,
      identifiers: [{ type: 'dns', value: 'a.example.com' }],
      authorizations: [`${u}/authz/1`],
      finalize: `${u}/finalize/1`,
      expires: '2030-01-01T00:00:00Z',
      ...extra,
    });
    switch (request.path) {
      case '/dir':
        return { status: 200, body: this.directory };
      case '/nonce':
        return { status: request.method === 'HEAD' ? 200 : 204 };
      case '/account':
        return { status: 201, body: { status: 'valid' }, headers: { location: `${u}/acct/1` } };
      case '/order':
        return { status: 201, body: order('pending'), headers: { location: `${u}/order/1` } };
      case '/order/1':
        return { status: 200, body: order('pending') };
      case '/authz/1':
        return {
          status: 200,
          body: {
            status: 'pending',
            identifier: { type: 'dns', value: 'a.example.com' },
            challenges: [
              { type: 'dns-01', url: `${u}/chall/1`, token: 'tok_AAAAAAAAAAAAAAAAAAAAAA', status: 'pending' },
            ],
          },
        };
      case '/finalize/1':
        return { status: 200, body: order('processing') };
      case '/revoke':
        return { status: 200 };
      default:
        return {
          status: 404,
          body: { type: 'urn:ietf:params:acme:error:malformed', detail: `no ${request.path}` },
        };
    }
  }
}
