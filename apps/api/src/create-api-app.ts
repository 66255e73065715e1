import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type FastifyBaseLogger, LogController } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import type { AppConfig } from '@fleetcert/config';
import { LazyChildLogger, Logger, Metrics, PinoNestLogger } from '@fleetcert/observability';
import { AppModule } from './app.module';
import { serveDashboard } from './dashboard/serve-dashboard';
import { setUpOpenApi } from './openapi';
import { redactTokenInUrl } from './auth/header-bearer.strategy';
import { CHANGE_FEED } from './read-cache/read-caches';
import { syncWritesBeforeAnswering } from './read-cache/write-sync.hook';
import { shedDeviceRequestsWhenOverloaded, wasShed } from './overload/shed-device-requests';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Each request's `request.log`, made only if something logs through it (see LazyChildLogger). */
function lazyRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(parent as Logger, bindings, options) as unknown as FastifyBaseLogger;
}

/**
 * Builds the API application (not yet listening). `main.ts` and the end-to-end tests
 * both use it, so tests exercise exactly what production runs.
 */
export async function createApiApp(config: AppConfig, logger: Logger): Promise<NestFastifyApplication> {
  const metrics = new Metrics('api');
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    // Keep a caller's X-Request-Id when it is sane, so a device's logs and ours line up.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // One line per request, written when it completes (below), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, metrics), adapter, {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
  });

  // The one line per request. Its fields are fixed and hold no credential (tokens travel
  // only in headers, which it leaves out), so it skips the redaction every other line pays
  // for: on a device request, that redaction cost more than the rest of the line.
  const accessLog = logger.child({}, { redact: [] });
  // Hooks in callback style: an async hook costs a promise and a microtask on every request.
  const fastify = app.getHttpAdapter().getInstance();
  shedDeviceRequestsWhenOverloaded(fastify, {
    queueDelayTargetMs: config.http.shedQueueDelayMs,
    metrics,
    logger,
  });
  // Once the app is closing, every answer still to be sent closes its connection. The
  // server's close waits for each connection to end, and one whose request was in flight
  // when the close began (e.g. a call to the CA, cut off by ShutdownGrace) would otherwise
  // stay open, idle, until the client or the 72 s keep-alive timeout ended it. Fastify does
  // this itself only for requests that arrive once it is closing.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('X-Request-Id', request.id);
    if (closing) void reply.header('Connection', 'close');
    done(null, payload);
  });
  syncWritesBeforeAnswering(fastify, app.get(CHANGE_FEED));
  fastify.addHook('onResponse', (request, reply, done) => {
    const elapsedMs = reply.elapsedTime;
    // The route pattern, never the raw URL, keeps the label set bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      elapsedMs / 1000,
    );
    // Turned away as overload: counted by the metrics and the shedding warning instead.
    if (wasShed(request)) {
      done();
      return;
    }
    accessLog.info(
      {
        reqId: request.id,
        req: {
          method: request.method,
          url: redactTokenInUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket.remotePort,
        },
        res: { statusCode: reply.statusCode },
        responseTime: elapsedMs,
      },
      'request completed',
    );
    done();
  });

  setUpOpenApi(app);
  await serveDashboard(app, config.dashboard.dir, logger);
  // Ends with process.exit rather than the signal raised again (Nest's default): a process
  // killed by its own signal skips the 'exit' handlers, and with them the flush of the
  // buffered log, so the lines of the shutdown itself were lost.
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  return app;
}
