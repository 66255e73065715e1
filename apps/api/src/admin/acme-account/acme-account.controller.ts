import { Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAuth } from '../../auth/auth.decorators';
import type { OperatorPrincipal } from '../../auth/principal';
import { AcmeAccountKeyRolloverView, AcmeAccountView } from './acme-account.dto';
import { AcmeAccountService } from './acme-account.service';

@ApiTags('admin: ACME account')
@Controller('v1/admin/acme-account')
export class AcmeAccountController {
  constructor(private readonly service: AcmeAccountService) {}

  @Get()
  @OperatorAuth()
  @ApiOkResponse({ type: AcmeAccountView })
  get(): Promise<AcmeAccountView> {
    return this.service.get();
  }

  /**
   * RFC 8555 key rollover: the account moves to a new key at the CA. For a key that may have
   * leaked, or a rotation policy. Certificates, orders and rate-limit history stay with the
   * account; orders in flight carry on with the new key.
   */
  @Post('key-rollover')
  @HttpCode(HttpStatus.OK)
  @OperatorAuth('admin')
  @ApiOkResponse({ type: AcmeAccountKeyRolloverView })
  rollKey(@CurrentOperator() auth: OperatorPrincipal): Promise<AcmeAccountKeyRolloverView> {
    return this.service.rollKey(auth);
  }
}
