import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
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
import { RevokeCertificateDto, RevokedCertificateView } from './admin-certificates.dto';
import { RevocationService } from './revocation.service';

@ApiTags('admin: certificates')
@Controller('v1/admin/certificates')
export class AdminCertificatesController {
  constructor(private readonly revocation: RevocationService) {}

  /** `id`: the certificate's id, or the id of the request that produced it (as devices see it). */
  @Post(':id/revoke')
  @HttpCode(200)
  @OperatorAuth('admin')
  @ApiOkResponse({ type: RevokedCertificateView })
  @ApiNotFoundResponse({ type: ErrorBody })
  @ApiConflictResponse({ type: ErrorBody, description: 'Already revoked' })
  @ApiUnprocessableEntityResponse({
    type: ErrorBody,
    description: 'The CA refused (its reason is in the message)',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorBody,
    description: 'The CA could not be reached; nothing changed',
  })
  revoke(
    @CurrentOperator() auth: OperatorPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: RevokeCertificateDto,
  ): Promise<RevokedCertificateView> {
    return this.revocation.revoke(auth, id, dto);
  }
}
