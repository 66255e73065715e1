import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@fleetcert/config';
import { createLogger, type Logger } from '@fleetcert/observability';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { OperatorsService } from '../../apps/api/src/admin/api-keys/operators.service';
import { CHANGE_FEED } from '../../apps/api/src/read-cache/read-caches';
import type { ChangeFeed } from '@fleetcert/db';

export interface TestApi {
  app: NestFastifyApplication;
  url: string;
  config: AppConfig;
  /** Calls the API over real HTTP on loopback. */
  request(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<TestResponse>;
  /** A fresh operator with its own key. */
  operatorKey(role?: 'admin' | 'viewer'): Promise<string>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let operatorCounter = 0;

/**
 * Starts the real API application (the same factory as production) on a free loopback port,
 * logging through `logger` when a test reads the logs.
 */
export async function startTestApi(
  config: AppConfig,
  logger: Logger = createLogger({ name: 'api-test', level: config.logLevel }),
): Promise<TestApi> {
  const app = await createApiApp(config, logger);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const feed = app.get<ChangeFeed>(CHANGE_FEED);

  const request: TestApi['request'] = async (method, path, opts = {}) => {
    // Tests write to Postgres directly and then call the API at once. In production such a
    // write (another process's) reaches the API's read caches within milliseconds; here the
    // next request must see it, so each request first waits until the caches have heard of
    // everything committed so far.
    await feed.sync();
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    } else if (opts.raw !== undefined) {
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };

  return {
    app,
    url,
    config,
    request,
    async operatorKey(role = 'admin') {
      const name = `op-${process.pid}-${++operatorCounter}-${Date.now().toString(36)}`;
      const created = await app.get(OperatorsService).createOperator({ kind: 'system' }, name, role);
      return created.apiKey.key;
    },
    close: () => app.close(),
  };
}
