import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHALLENGE_TOKEN } from '../api/device-api.client';
import type { Logger } from '../log/logger';
import type { ChallengeAnswers } from './challenge-answers';

const PREFIX = '/.well-known/acme-challenge/';

/**
 * The device's port-80 responder for http-01 (IP certificates). It answers only
 * `GET`/`HEAD /.well-known/acme-challenge/<token>` with a well-formed token and passes
 * nothing else: every other path is a 404 and never reaches the control server. Requests
 * are small and short (header and request timeouts, a connection cap, a cap on answers in
 * progress), since port 80 faces the internet.
 */
export class ChallengeResponder {
  private readonly server: Server;
  private inFlight = 0;

  constructor(
    private readonly answers: ChallengeAnswers,
    private readonly logger: Logger,
    private readonly opts: { maxInFlight: number } = { maxInFlight: 32 },
  ) {
    this.server = createServer(
      { maxHeaderSize: 8192, requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 },
      (req, res) => void this.handle(req, res),
    );
    this.server.maxConnections = 512;
  }

  /**
   * Starts listening. `::` (all IPv6 and, dual-stack, IPv4 addresses) falls back to
   * `0.0.0.0` on hosts without IPv6.
   */
  async listen(host: string, port: number): Promise<AddressInfo> {
    try {
      return await this.bind(host, port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (host === '::' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL'))
        return this.bind('0.0.0.0', port);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }

  private async bind(host: string, port: number): Promise<AddressInfo> {
    this.server.listen({ host, port });
    await Promise.race([
      once(this.server, 'listening'),
      once(this.server, 'error').then(([err]) => Promise.reject(err)),
    ]);
    return this.server.address() as AddressInfo;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const token = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : null;
    if (token === null || !CHALLENGE_TOKEN.test(token)) return reply(res, 404, 'Not Found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return reply(res, 405, 'Method Not Allowed\n');
    }
    if (this.inFlight >= this.opts.maxInFlight) {
      res.setHeader('retry-after', '1');
      return reply(res, 503, 'Busy\n');
    }
    this.inFlight++;
    try {
      const answer = await this.answers.answer(token);
      this.logger.debug('challenge request', {
        token: token.slice(0, 8),
        answer: answer.kind,
        from: req.socket.remoteAddress,
      });
      switch (answer.kind) {
        case 'text':
          this.logger.info('answered an http-01 challenge', {
            token: token.slice(0, 8),
            from: req.socket.remoteAddress,
          });
          return reply(res, 200, answer.body, req.method === 'HEAD');
        case 'redirect':
          res.setHeader('location', answer.location);
          return reply(res, 302, '');
        case 'unknown':
          return reply(res, 404, 'Not Found\n');
        case 'unavailable':
          return reply(res, 502, 'Bad Gateway\n');
      }
    } finally {
      this.inFlight--;
    }
  }
}

function reply(res: ServerResponse, status: number, body: string, headOnly = false): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(headOnly ? undefined : body);
}
