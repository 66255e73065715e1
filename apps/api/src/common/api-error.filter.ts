import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorReason, IntervalLog } from '@fleetcert/observability';
import { type ErrorBody, errorBody } from './error-body';
import { isDependencyOutage } from './dependency-outage';

/** At most one "dependency unavailable" line per this interval; the metrics count every answer. */
const OUTAGE_LOG_INTERVAL_MS = 10_000;

/**
 * Turns every error into the one error shape ({@link ErrorBody}).
 *
 * Client mistakes keep their 4xx; an unreachable dependency (Postgres, Redis, the DNS
 * server) becomes 503 with Retry-After; only a genuine bug becomes 500, and is logged.
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiError');
  /** During an outage every request fails alike: one line per interval, with the count. */
  private readonly outageLog = new IntervalLog(OUTAGE_LOG_INTERVAL_MS);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const body = this.toBody(exception);
    body.requestId = String(request.id);

    if (body.statusCode === 500) {
      this.logger.error({ err: exception, requestId: request.id, msg: 'request failed' });
    } else if (body.statusCode >= 500) {
      // An outage, not a bug: one line without a stack is enough, and at most one per
      // interval, since every request meets the same outage.
      const answered = this.outageLog.note();
      if (answered !== undefined) {
        this.logger.warn({
          requestId: request.id,
          status: body.statusCode,
          reason: errorReason(exception),
          answered,
          msg: 'dependency unavailable',
        });
      }
    }
    const retryAfter = retryAfterOf(exception) ?? (body.statusCode === 503 ? 5 : undefined);
    if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
    void reply.status(body.statusCode).header('Content-Type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const res = exception.getResponse();
      const raw = typeof res === 'object' && res !== null ? (res as { message?: unknown }).message : res;
      const messages = Array.isArray(raw) ? raw.map(String) : [String(raw ?? exception.message)];
      return errorBody(
        status,
        messages.length > 1 ? `${messages.length} problems: ${messages.join('; ')}` : messages[0],
        { details: messages.length > 1 ? messages : undefined },
      );
    }
    // Errors Fastify raises before a handler runs (body too large, bad JSON, bad media type).
    const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return errorBody(fastifyStatus, describeFastifyError(exception as { code?: string; message?: string }));
    }
    if (isDependencyOutage(exception)) {
      return errorBody(
        HttpStatus.SERVICE_UNAVAILABLE,
        'A service fleetcert depends on is unavailable; nothing was changed. Try again shortly.',
      );
    }
    return errorBody(500, 'Internal error');
  }
}

/** Seconds a throttling HttpException asks the client to wait (`{ retryAfter }` in its response). */
function retryAfterOf(exception: unknown): number | undefined {
  if (!(exception instanceof HttpException)) return undefined;
  const res = exception.getResponse();
  const value =
    typeof res === 'object' && res !== null ? (res as { retryAfter?: unknown }).retryAfter : undefined;
  return typeof value === 'number' ? value : undefined;
}

function describeFastifyError(err: { code?: string; message?: string }): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type; send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Body must not be empty when Content-Type is application/json';
    default:
      if (err.message?.includes('JSON')) return `Malformed JSON: ${err.message}`;
      return err.message ?? 'Bad request';
  }
}
