import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ApiBearerAuth, ApiCookieAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { OperatorRole } from '@fleetcert/db';
import { ErrorBody } from '../common/error-body';
import type { DevicePrincipal, OperatorPrincipal } from './principal';

const ROLE_KEY = 'fleetcert:role';

@Injectable()
export class OperatorRoleGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const needed = this.reflector.getAllAndOverride<OperatorRole | undefined>(ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const user = context.switchToHttp().getRequest<{ user?: OperatorPrincipal }>().user;
    if (needed === 'admin' && user?.operator.role !== 'admin') {
      throw new ForbiddenException('This action needs the admin role');
    }
    return true;
  }
}

/** Routes for devices: a valid, unrevoked device token of an active device. */
export function DeviceAuth() {
  return applyDecorators(
    UseGuards(AuthGuard('device')),
    ApiBearerAuth('device'),
    ApiUnauthorizedResponse({ type: ErrorBody, description: 'No or bad device token' }),
    ApiForbiddenResponse({ type: ErrorBody, description: 'Device disabled' }),
  );
}

/**
 * Routes for operators; `admin` for anything that changes state, `viewer` to read.
 * An operator API key (bearer) or a dashboard session (cookie) authenticates.
 */
export function OperatorAuth(role: OperatorRole = 'viewer') {
  return applyDecorators(
    SetMetadata(ROLE_KEY, role),
    UseGuards(AuthGuard(['operator', 'operator-session']), OperatorRoleGuard),
    ApiBearerAuth('operator'),
    ApiCookieAuth('session'),
    ApiUnauthorizedResponse({ type: ErrorBody, description: 'No or bad operator key or session' }),
    ApiForbiddenResponse({ type: ErrorBody, description: 'Role too low' }),
  );
}

export const CurrentDevice = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) =>
    ctx.switchToHttp().getRequest<{ user: DevicePrincipal }>().user.device,
);

export const CurrentOperator = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<{ user: OperatorPrincipal }>().user,
);
