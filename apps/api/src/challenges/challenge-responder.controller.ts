import {
  Controller,
  Get,
  Header,
  HttpException,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  Req,
} from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { ChallengeRepository } from '@fleetcert/db';
import { ErrorBody } from '../common/error-body';
import { ClientThrottle } from './client-throttle';

/** RFC 8555 §8.3 tokens are base64url of at least 128 bits: 22+ characters. */
const TOKEN = /^[A-Za-z0-9_-]{22,128}$/;

/**
 * The public http-01 responder, reached by the CA through a device that forwards or
 * redirects its port 80 here. It answers only the exact token of a challenge being solved
 * right now — no listing, no prefix matching, nothing after the challenge is done — and it
 * never proxies or redirects anywhere itself.
 */
@ApiTags('public')
@Controller('.well-known/acme-challenge')
export class ChallengeResponderController {
  private readonly throttle: ClientThrottle;

  constructor(
    private readonly challenges: ChallengeRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.throttle = new ClientThrottle(config.certificates.challengeResponderPerMinute);
  }

  @Get(':token')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: 'The key authorization of a pending http-01 challenge', type: String })
  @ApiNotFoundResponse({ type: ErrorBody })
  @ApiTooManyRequestsResponse({ type: ErrorBody })
  async respond(@Param('token') token: string, @Req() req: FastifyRequest): Promise<string> {
    const retryAfter = this.throttle.take(req.ip);
    if (retryAfter !== null) {
      throw new HttpException(
        { message: 'Too many requests to the challenge responder', retryAfter },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const challenge = TOKEN.test(token) ? await this.challenges.findServableHttp01(token) : null;
    if (!challenge) throw new NotFoundException('No such challenge');
    return challenge.keyAuthorization;
  }
}
