import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { RevocationReason } from '@fleetcert/acme';

/** RFC 5280 reason names the ACME revokeCert accepts, and their codes. */
export const REVOCATION_REASONS: Record<string, RevocationReason> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
};

export class RevokeCertificateDto {
  @ApiPropertyOptional({ enum: Object.keys(REVOCATION_REASONS), default: 'unspecified' })
  @IsOptional()
  @IsIn(Object.keys(REVOCATION_REASONS), {
    message: `reason must be one of ${Object.keys(REVOCATION_REASONS).join(', ')}`,
  })
  reason?: string;
}

export class RevokedCertificateView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'The request that produced it (the id devices use).' }) requestId!: string;
  @ApiProperty() deviceId!: string;
  @ApiProperty({ description: 'Lower-case hex serial.' }) serial!: string;
  @ApiProperty() revokedAt!: string;
  @ApiProperty({ enum: Object.keys(REVOCATION_REASONS) }) reason!: string;
}
