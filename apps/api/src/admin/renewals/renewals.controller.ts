import { Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAuth } from '../../auth/auth.decorators';
import type { OperatorPrincipal } from '../../auth/principal';
import { ErrorBody } from '../../common/error-body';
import { ForcedRenewalView } from './renewals.dto';
import { RenewalsService } from './renewals.service';

@ApiTags('admin: devices')
@Controller('v1/admin/devices')
export class RenewalsController {
  constructor(private readonly service: RenewalsService) {}

  /** Renews every live certificate of the device now (it counts against the CA's limits like any renewal). */
  @Post(':id/renew')
  @HttpCode(202)
  @OperatorAuth('admin')
  @ApiAcceptedResponse({ type: ForcedRenewalView })
  @ApiNotFoundResponse({ type: ErrorBody })
  @ApiConflictResponse({ type: ErrorBody, description: 'Device disabled, or without a live certificate' })
  renew(
    @CurrentOperator() auth: OperatorPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<ForcedRenewalView> {
    return this.service.renewDevice(auth, id);
  }
}
