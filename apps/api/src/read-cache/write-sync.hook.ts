import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { ChangeFeed } from '@fleetcert/db';
import type { DevicePrincipal, OperatorPrincipal } from '../auth/principal';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The Fastify route option {@link WritesOnlyNewRows} sets. */
export const WRITES_ONLY_NEW_ROWS = 'fleetcertWritesOnlyNewRows';

/**
 * Marks a device route whose writes only insert rows that no read cache can hold yet, and
 * change none it holds: its answer needs no cache drop, here or in the other processes of a
 * clustered API. `POST /v1/certificates` is one: it inserts a request under a new id, and
 * a device's cached views (its token and device, its requests as `GET /v1/certificates/{id}`
 * shows them, whose links follow certificates, not requests) stay exactly as they were
 * (test/api/certificate-fetch-cache.e2e-spec.ts checks this). Skipping the drop spares a
 * clustered API one exchange between processes per event-loop turn of submissions; the
 * insert's change notification still reaches every process.
 */
export const WritesOnlyNewRows = () => RouteConfig({ [WRITES_ONLY_NEW_ROWS]: true });

/**
 * Read your own writes: a request that may have written is answered only once this
 * process's read caches reflect it, and with several API processes (`node:cluster`),
 * every process's. Without this, an operator who rotates a device's token
 * and then calls with the old one could still be let in, for the millisecond the
 * notification takes.
 *
 * - A device's request can only change that device's rows, so its entries are dropped here
 *   at once (`ChangeFeed.changedHere`): no round trip on the devices' hot write path. With
 *   several API processes its next request may reach another one, so the answer waits until
 *   every process has dropped them (`ChangeFeed.changedEverywhere`, over the cluster's IPC).
 * - Anything else (operators, the dashboard, unauthenticated calls) may change any device:
 *   the answer waits until this process (and every other one) has heard of every change
 *   committed before it (`ChangeFeed.sync`, one round trip shared by the writes of one
 *   event-loop turn).
 * - Reads and failed requests skip it: they changed nothing; so do routes marked
 *   {@link WritesOnlyNewRows}: they changed nothing a cache holds.
 *
 * A Fastify hook rather than a Nest interceptor: any global interceptor makes Nest wrap
 * every request's handler in async-context bindings, which cost more than the caches save.
 */
export function syncWritesBeforeAnswering(fastify: FastifyInstance, feed: ChangeFeed): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (READS.has(request.method) || reply.statusCode >= 400 || !feed.isLive || writesOnlyNewRows(request)) {
      return done(null, payload);
    }
    const principal = principalOf(request);
    if (principal?.kind === 'device') {
      if (!feed.hasPeers) {
        feed.changedHere(principal.device.id);
        return done(null, payload);
      }
      // The device's next request may go to another process of a clustered API.
      void feed.changedEverywhere(principal.device.id).then(() => done(null, payload));
      return;
    }
    void feed.sync().then(() => done(null, payload));
  });
}

function writesOnlyNewRows(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as { [WRITES_ONLY_NEW_ROWS]?: boolean } | undefined;
  return config?.[WRITES_ONLY_NEW_ROWS] === true;
}

/** What the authentication guard left on the request (Passport's `request.user`), if anything. */
function principalOf(request: FastifyRequest): DevicePrincipal | OperatorPrincipal | undefined {
  return (request as FastifyRequest & { user?: DevicePrincipal | OperatorPrincipal }).user;
}
