import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IdentifierView, RenewalWindowView, RequestErrorView } from '../../certificates/certificates.dto';

export class HistoryPageQuery {
  @ApiPropertyOptional({ default: 20, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 20;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class DeviceRequestView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['pending', 'deferred', 'processing', 'valid', 'failed'] }) status!: string;
  @ApiProperty({ type: [IdentifierView] }) identifiers!: IdentifierView[];
  @ApiProperty({ nullable: true, type: String }) profile!: string | null;
  @ApiProperty({ enum: ['dns-01', 'http-01'] }) challenge!: string;
  @ApiProperty({ description: 'Attempts the worker has made so far.' }) attempts!: number;
  @ApiProperty() isRenewal!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) deferredUntil!: string | null;
  @ApiProperty({
    nullable: true,
    type: RequestErrorView,
    description: 'The last error: final when failed, the reason for the next retry otherwise.',
  })
  error!: RequestErrorView | null;
  @ApiProperty({ nullable: true, type: String }) certificateId!: string | null;
}

export class DeviceRequestPageView {
  @ApiProperty({ type: [DeviceRequestView] }) items!: DeviceRequestView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export const CERTIFICATE_STATES = ['valid', 'expiring', 'expired', 'revoked', 'superseded'] as const;
export type CertificateState = (typeof CERTIFICATE_STATES)[number];

export class DeviceCertificateView {
  @ApiProperty() id!: string;
  @ApiProperty() requestId!: string;
  @ApiProperty({ description: 'Serial number, lower-case hex.' }) serial!: string;
  @ApiProperty({ type: [IdentifierView] }) identifiers!: IdentifierView[];
  @ApiProperty() notBefore!: string;
  @ApiProperty() notAfter!: string;
  @ApiProperty({ nullable: true, type: RenewalWindowView }) renewal!: RenewalWindowView | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The moment inside the window chosen to renew (null once superseded or revoked).',
  })
  renewAt!: string | null;
  @ApiProperty({
    enum: CERTIFICATE_STATES,
    description: '`expiring`: valid but ending within 7 days.',
  })
  state!: CertificateState;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedReason!: string | null;
  @ApiProperty({ nullable: true, type: String }) supersededById!: string | null;
  @ApiProperty() createdAt!: string;
}

export class DeviceCertificatePageView {
  @ApiProperty({ type: [DeviceCertificateView] }) items!: DeviceCertificateView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
