import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentOperator, OperatorAuth } from '../../auth/auth.decorators';
import type { OperatorPrincipal } from '../../auth/principal';
import { ErrorBody } from '../../common/error-body';
import {
  ApiKeyView,
  CreateApiKeyDto,
  CreatedApiKeyView,
  CreatedOperatorView,
  CreateOperatorDto,
} from './api-keys.dto';
import { OperatorsService } from './operators.service';

@ApiTags('admin: operators')
@Controller('v1/admin')
export class ApiKeysController {
  constructor(private readonly service: OperatorsService) {}

  @Post('operators')
  @OperatorAuth('admin')
  @ApiCreatedResponse({ type: CreatedOperatorView })
  @ApiConflictResponse({ type: ErrorBody })
  createOperator(
    @CurrentOperator() auth: OperatorPrincipal,
    @Body() dto: CreateOperatorDto,
  ): Promise<CreatedOperatorView> {
    return this.service.createOperator(
      { kind: 'operator', operatorId: auth.operator.id },
      dto.name,
      dto.role ?? 'viewer',
    );
  }

  @Get('api-keys')
  @OperatorAuth()
  @ApiOkResponse({ type: [ApiKeyView], description: "The caller's own keys." })
  list(@CurrentOperator() auth: OperatorPrincipal): Promise<ApiKeyView[]> {
    return this.service.listKeys(auth.operator.id);
  }

  @Post('api-keys')
  @OperatorAuth()
  @ApiCreatedResponse({
    type: CreatedApiKeyView,
    description: 'A new key for the caller (rotation: create, switch, revoke the old one).',
  })
  create(
    @CurrentOperator() auth: OperatorPrincipal,
    @Body() dto: CreateApiKeyDto,
  ): Promise<CreatedApiKeyView> {
    return this.service.createKey(auth.operator.id, dto.name);
  }

  @Post('api-keys/:id/revoke')
  @HttpCode(204)
  @OperatorAuth()
  @ApiNotFoundResponse({ type: ErrorBody })
  async revoke(
    @CurrentOperator() auth: OperatorPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<void> {
    await this.service.revokeKey(auth.operator.id, id);
  }
}
