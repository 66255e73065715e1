import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import { PRISMA, PrismaClient } from '@fleetcert/db';
import { errorReason } from '@fleetcert/observability';
import { answerWithin } from '../common/answer-within';
import { REDIS } from '../queue/queue.tokens';

const CHECK_TIMEOUT_MS = 2000;

interface HealthView {
  status: 'ok' | 'unavailable';
  checks: Record<string, 'ok' | string>;
}

/** Readiness: 200 only when Postgres and Redis both answer, 503 (with what failed) otherwise. */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'Ready' })
  @ApiServiceUnavailableResponse({ description: 'Postgres or Redis unreachable' })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthView> {
    const [postgres, redis] = await Promise.all([
      probe('postgres', () => this.prisma.$queryRaw`SELECT 1`),
      probe('redis', () => this.redis.ping()),
    ]);
    const ok = postgres === 'ok' && redis === 'ok';
    void reply.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'unavailable', checks: { postgres, redis } };
  }
}

async function probe(dependency: string, check: () => Promise<unknown>): Promise<string> {
  try {
    await answerWithin(check(), CHECK_TIMEOUT_MS, dependency);
    return 'ok';
  } catch (err) {
    return errorReason(err);
  }
}
