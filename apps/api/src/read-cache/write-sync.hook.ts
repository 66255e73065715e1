import type { FastifyInstance } from 'fastify';
import type { ChangeFeed } from '@fleetcert/db';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Read your own writes: a request that may have written is answered only once this
 * process's read caches have heard of every change committed before the answer
 * (`ChangeFeed.sync`). Without it, an operator who rotates a device's token and then calls
 * with the old one could still be let in, for the millisecond the notification takes.
 * Reads and failed requests skip it: they changed nothing.
 *
 * A Fastify hook rather than a Nest interceptor: any global interceptor makes Nest wrap
 * every request's handler in async-context bindings, which cost more than the caches save.
 */
export function syncWritesBeforeAnswering(fastify: FastifyInstance, feed: ChangeFeed): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (READS.has(request.method) || reply.statusCode >= 400 || !feed.isLive) return done(null, payload);
    void feed.sync().then(() => done(null, payload));
  });
}
