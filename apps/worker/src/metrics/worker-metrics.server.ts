import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { errorMessage, Metrics } from '@fleetcert/observability';

/**
 * The worker's Prometheus endpoint: `GET /metrics` on `FLEETCERT_WORKER_METRICS_PORT`.
 * What only the worker knows — orders and their duration, ACME errors, DNS propagation,
 * rate-limit deferrals, renewals, ARI polls, revocations — is counted in this process, so
 * each worker is scraped on its own; the API's `/metrics` has the API's. A bare node:http
 * server: the worker has no other HTTP to serve, and Nest's would cost a framework per scrape.
 *
 * The port is bound before the worker takes jobs: a port already in use stops the start-up
 * (exit 1), as a mistyped setting should.
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetricsServer.name);
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.worker.metricsPort;
    if (port === null) return;
    const server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.http.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { address, port: bound } = server.address() as AddressInfo;
    this.logger.log({ address, port: bound }, 'worker metrics listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    // A scraper's kept-alive connection would otherwise hold the shutdown until it idles out.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics')
      return send(res, 404, 'Not Found', `No ${path} here: the worker serves only /metrics`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'Method Not Allowed', '/metrics answers GET only');
    try {
      const body = await this.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.logger.error({ err: errorMessage(err) }, 'could not collect metrics');
      send(res, 500, 'Internal Server Error', 'Metrics could not be collected');
    }
  }
}

/** The product's one error shape (see the README), without a request id: nothing is logged per scrape. */
function send(res: ServerResponse, statusCode: number, error: string, message: string): void {
  res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ statusCode, error, message }));
}
