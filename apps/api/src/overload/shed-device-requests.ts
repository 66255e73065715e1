import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IntervalLog, type Logger, type Metrics } from '@fleetcert/observability';
import { errorBody } from '../common/error-body';
import { StandingQueueDetector } from './standing-queue-detector';

/**
 * The detector's interval: how fast shedding starts and stops, so also how much queue builds
 * before it does (CoDel's 100 ms).
 */
export const SHED_INTERVAL_MS = 100;

/** An interval that served fewer device requests than this cannot show a standing queue. */
export const SHED_MIN_SERVED = 8;

/** Shed requests are told to come back after a random whole number of seconds in this range. */
export const SHED_RETRY_AFTER_SECONDS = { min: 2, max: 6 } as const;

/** At most one log line per this interval while shedding; the metric counts every request. */
const LOG_INTERVAL_MS = 10_000;

export interface ShedOptions {
  /** Shed while even the fastest device request of an interval took longer (ms); 0 = never. */
  queueDelayTargetMs: number;
  metrics: Metrics;
  logger: Logger;
  /** Source of randomness in [0, 1) for Retry-After; tests inject one. */
  random?: () => number;
  /** Clock in ms for the detector and the requests' times (`performance.now` unless a test injects one). */
  now?: () => number;
}

/**
 * Whether a route is a device route, the only ones shed: everything under `/v1/` but the
 * operators' `/v1/admin`. Operators must see the overload they are handling; `/health`,
 * `/metrics` and the CA's `/.well-known/acme-challenge` requests (refusing those would fail
 * orders) are always served.
 */
export function isSheddableRoute(routePattern: string | undefined): boolean {
  if (routePattern === undefined) return false;
  return routePattern.startsWith('/v1/') && !routePattern.startsWith('/v1/admin');
}

/** When a served device request was taken, on the detector's clock. */
const STARTED_AT = Symbol('fleetcert.servedSince');
/** Set on a request answered 503 by the shedding hook. */
const SHED = Symbol('fleetcert.shed');
type TimedRequest = FastifyRequest & { [STARTED_AT]?: number; [SHED]?: true };

/**
 * Whether this request was turned away as overload. The access log leaves such requests
 * out: under a flood it would otherwise write thousands of identical lines a second and bury
 * the requests that were served, while `fleetcert_http_requests_shed_total`, the
 * request-duration metric (status 503) and a warning at most every 10 s count every one.
 */
export function wasShed(request: FastifyRequest): boolean {
  return (request as TimedRequest)[SHED] === true;
}

/**
 * Overload protection for the device API. A process that takes more requests than it can
 * serve only queues them: every request gets slower (seconds, at twice its capacity),
 * devices time out and retry, and the retries add to the queue. Instead, while device
 * requests show a standing queue ({@link StandingQueueDetector}), the process takes only as
 * many at a time as it can finish within the target, judging by the last interval, and
 * answers the others at once with 503 and a randomised `Retry-After`, before
 * authentication or any database work: nothing is changed for them, the requests taken
 * stay fast, and the process stays busy with them rather than idle once the queue drained.
 * Turning requests away still costs their HTTP exchange (about a quarter of a submission's
 * CPU): under the API benchmark at twice the capacity with a 100 ms target, ~20% fewer
 * submissions were served, whether all or only the excess were turned away; hence the
 * default target of 1 s (README, Overload).
 *
 * The event loop's lag would not show the queue: a submission waits mostly on its batched
 * database round trips, not for the loop, and under the API benchmark at twice the capacity
 * the mean lag stayed under 20 ms while submissions took 270 ms and more.
 */
export function shedDeviceRequestsWhenOverloaded(fastify: FastifyInstance, options: ShedOptions): void {
  if (options.queueDelayTargetMs <= 0) return;
  const now = options.now ?? (() => performance.now());
  const detector = new StandingQueueDetector(
    options.queueDelayTargetMs,
    SHED_INTERVAL_MS,
    SHED_MIN_SERVED,
    now,
  );
  const random = options.random ?? Math.random;
  /** Device requests taken and not yet finished. */
  let inFlight = 0;
  const shedLog = new IntervalLog(LOG_INTERVAL_MS, now);

  // While overloaded, as many in flight as the process finishes within the target, judging
  // by the last interval: the requests taken wait about the target, and the process stays busy.
  const intervalsPerTarget = options.queueDelayTargetMs / SHED_INTERVAL_MS;
  const admits = (): boolean =>
    !detector.isOverloaded() ||
    inFlight < Math.max(SHED_MIN_SERVED, Math.ceil(detector.servedInLastInterval * intervalsPerTarget));

  // Hooks in callback style, as the others (create-api-app.ts): no promise per request.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isSheddableRoute(request.routeOptions.url)) {
      done();
      return;
    }
    if (admits()) {
      (request as TimedRequest)[STARTED_AT] = now();
      inFlight++;
      // 'close' comes once the response is finished or the client went away, so none leaks.
      reply.raw.once('close', () => inFlight--);
      done();
      return;
    }
    options.metrics.httpRequestsShed.inc();
    (request as TimedRequest)[SHED] = true;
    const shed = shedLog.note();
    if (shed !== undefined) {
      options.logger.warn(
        {
          fastestRequestMs: Math.round(detector.fastestOfLastInterval),
          queueDelayTargetMs: options.queueDelayTargetMs,
          inFlight,
          shed,
        },
        'overloaded: answering device requests beyond what the process keeps up with 503',
      );
    }
    // Replying from the hook ends the request here; `done` is not called.
    void sendOverloaded(request, reply, retryAfterSeconds(random));
  });

  fastify.addHook('onResponse', (request, _reply, done) => {
    // Only requests that were served: a shed one says nothing about the queue.
    const startedAt = (request as TimedRequest)[STARTED_AT];
    if (startedAt !== undefined) detector.record(now() - startedAt);
    done();
  });
}

/** Randomised so that the devices shed together do not all come back together. */
function retryAfterSeconds(random: () => number): number {
  const { min, max } = SHED_RETRY_AFTER_SECONDS;
  return min + Math.floor(random() * (max - min + 1));
}

function sendOverloaded(request: FastifyRequest, reply: FastifyReply, retryAfter: number): FastifyReply {
  const body = errorBody(
    503,
    `The server is overloaded; nothing was changed. Try again in ${retryAfter} s.`,
    {
      requestId: String(request.id),
    },
  );
  return reply
    .status(503)
    .header('Retry-After', String(retryAfter))
    .header('Content-Type', 'application/json; charset=utf-8')
    .send(body);
}
