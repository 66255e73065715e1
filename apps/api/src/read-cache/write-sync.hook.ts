import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChangeFeed } from '@fleetcert/db';
import type { DevicePrincipal, OperatorPrincipal } from '../auth/principal';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
 * - Reads and failed requests skip it: they changed nothing.
 *
 * A Fastify hook rather than a Nest interceptor: any global interceptor makes Nest wrap
 * every request's handler in async-context bindings, which cost more than the caches save.
 */
export function syncWritesBeforeAnswering(fastify: FastifyInstance, feed: ChangeFeed): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (READS.has(request.method) || reply.statusCode >= 400 || !feed.isLive) return done(null, payload);
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

/** What the authentication guard left on the request (Passport's `request.user`), if anything. */
function principalOf(request: FastifyRequest): DevicePrincipal | OperatorPrincipal | undefined {
  return (request as FastifyRequest & { user?: DevicePrincipal | OperatorPrincipal }).user;
}
