import { Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentOperator, OperatorAuth } from '../../auth/auth.decorators';
import type { OperatorPrincipal } from '../../auth/principal';
import { ErrorBody } from '../../common/error-body';
import { AcmeAccountKeyRolloverView, AcmeAccountView } from './acme-account.dto';
import { AcmeAccountService } from './acme-account.service';

const NO_ACCOUNT_YET = 'No account yet: it is created and registered with the first order';

@ApiTags('admin: ACME account')
@Controller('v1/admin/acme-account')
export class AcmeAccountController {
  constructor(private readonly service: AcmeAccountService) {}

  @Get()
  @OperatorAuth()
  @ApiOkResponse({ type: AcmeAccountView })
  @ApiNotFoundResponse({ type: ErrorBody, description: NO_ACCOUNT_YET })
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
  @ApiNotFoundResponse({ type: ErrorBody, description: NO_ACCOUNT_YET })
  @ApiConflictResponse({
    type: ErrorBody,
    description: 'Another rollover is under way (or was cut off less than a minute ago)',
  })
  @ApiUnprocessableEntityResponse({
    type: ErrorBody,
    description: 'The CA refused (its reason is in the message); the old key stays',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorBody,
    description:
      'The CA could not be reached; the old key stays (a rollover the CA took unseen is settled within a minute)',
  })
  rollKey(@CurrentOperator() auth: OperatorPrincipal): Promise<AcmeAccountKeyRolloverView> {
    return this.service.rollKey(auth);
  }
}
