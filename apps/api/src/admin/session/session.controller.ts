import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentOperator, OperatorAuth } from '../../auth/auth.decorators';
import type { OperatorPrincipal } from '../../auth/principal';
import { clearedSessionCookies, readCookie, SESSION_COOKIE, sessionCookies } from '../../auth/session-cookie';
import { ErrorBody } from '../../common/error-body';
import { CreateSessionDto, SessionView } from './session.dto';
import { SessionService } from './session.service';

@ApiTags('admin: session')
@Controller('v1/admin/session')
export class SessionController {
  constructor(private readonly service: SessionService) {}

  @Post()
  @ApiCreatedResponse({
    type: SessionView,
    description: 'Signed in: sets the HttpOnly, SameSite=Strict session cookie.',
  })
  @ApiBadRequestResponse({ type: ErrorBody })
  @ApiUnauthorizedResponse({ type: ErrorBody, description: 'Not a valid operator API key' })
  async create(
    @Body() dto: CreateSessionDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionView> {
    const started = await this.service.start(dto.apiKey);
    void reply.header(
      'set-cookie',
      sessionCookies(started.token, started.expiresAt, { secure: request.protocol === 'https' }),
    );
    void reply.header('cache-control', 'no-store');
    return started.view;
  }

  @Get()
  @OperatorAuth()
  @ApiOkResponse({ type: SessionView, description: 'Who is calling, and how.' })
  current(@CurrentOperator() auth: OperatorPrincipal): SessionView {
    return this.service.describe(auth);
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Signed out: the session ends and its cookies are removed.' })
  async remove(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.service.end(readCookie(request.headers.cookie, SESSION_COOKIE));
    void reply.header('set-cookie', clearedSessionCookies({ secure: request.protocol === 'https' }));
  }
}
