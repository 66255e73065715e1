import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@fleetcert/observability';

/**
 * The dashboard is a single-page app: its client-side routes (`/devices/…`) all answer
 * with `index.html`, except the paths that belong to the server itself, which keep their
 * own answers (and the API's JSON 404).
 */
const SERVER_PATHS = /^\/(v1|docs|health|metrics|assets|\.well-known)(\/|$)/;

/**
 * The page may load only its own scripts, styles and images and talk only to this
 * origin; nothing may frame it. The build inlines nothing, so no 'unsafe-inline'.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // The page names the current asset files: always ask again, so a new build shows at once.
  'cache-control': 'no-cache',
};

/**
 * Serves the built dashboard (`npm run build` writes it to `dir`) at `/`: hashed assets
 * under `/assets/` cached for a year, `index.html` for every client-side route. Without a
 * build the API runs as before and says so once in the log.
 */
export async function serveDashboard(
  app: NestFastifyApplication,
  dir: string,
  logger: Logger,
): Promise<void> {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) {
    logger.warn({ dir }, 'dashboard is not built (npm run build); / serves nothing');
    return;
  }
  const indexHtml = readFileSync(indexFile, 'utf8');

  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    // File names carry a content hash: a changed file is a new name.
    immutable: true,
    maxAge: '365d',
    setHeaders: (res) => res.setHeader('x-content-type-options', 'nosniff'),
  });

  const fastify = app.getHttpAdapter().getInstance();
  const sendPage = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?', 1)[0];
    if (SERVER_PATHS.test(path)) return reply.callNotFound();
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(indexHtml);
  };
  fastify.get('/', sendPage);
  fastify.get('/*', sendPage);
}
