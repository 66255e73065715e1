import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '@fleetcert/config';
import { Logger, Metrics, PinoNestLogger } from '@fleetcert/observability';
import { AppModule } from './app.module';
import { serveDashboard } from './dashboard/serve-dashboard';
import { setUpOpenApi } from './openapi';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Builds the API application (not yet listening). `main.ts` and the end-to-end tests
 * both use it, so tests exercise exactly what production runs.
 */
export async function createApiApp(config: AppConfig, logger: Logger): Promise<NestFastifyApplication> {
  const metrics = new Metrics('api');
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    // Keep a caller's X-Request-Id when it is sane, so a device's logs and ours line up.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    disableRequestLogging: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, metrics), adapter, {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
  });

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL, keeps the label set bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  setUpOpenApi(app);
  await serveDashboard(app, config.dashboard.dir, logger);
  app.enableShutdownHooks();
  return app;
}
