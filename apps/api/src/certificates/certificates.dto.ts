import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class SubmitCsrDto {
  @ApiProperty({
    description: 'PKCS#10 certificate signing request, PEM.',
    example: '-----BEGIN CERTIFICATE REQUEST-----\n…',
  })
  @IsString()
  @MaxLength(16384)
  csr!: string;

  @ApiPropertyOptional({
    description: "ACME profile to ask the CA for (one the CA advertises); the fleet's default otherwise.",
  })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, { message: 'profile must be a profile name such as shortlived' })
  profile?: string;
}

export class IdentifierView {
  @ApiProperty({ enum: ['dns', 'ip'] }) type!: 'dns' | 'ip';
  @ApiProperty() value!: string;
}

export class RenewalWindowView {
  @ApiProperty() windowStart!: string;
  @ApiProperty() windowEnd!: string;
}

export class RequestErrorView {
  @ApiProperty({ example: 'urn:ietf:params:acme:error:rejectedIdentifier' }) type!: string;
  @ApiProperty() detail!: string;
}

export class CertificateRequestView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['pending', 'deferred', 'processing', 'valid', 'failed'] }) status!: string;
  @ApiProperty({ type: [IdentifierView] }) identifiers!: IdentifierView[];
  @ApiProperty({ nullable: true, type: String }) profile!: string | null;
  @ApiProperty({ enum: ['dns-01', 'http-01'] }) challenge!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ description: 'PEM chain, leaf first, once valid.' }) certificate?: string;
  @ApiPropertyOptional() notBefore?: string;
  @ApiPropertyOptional() notAfter?: string;
  @ApiPropertyOptional({ type: RenewalWindowView }) renewal?: RenewalWindowView;
  @ApiPropertyOptional() deferredUntil?: string;
  @ApiPropertyOptional({ type: RequestErrorView }) error?: RequestErrorView;
}
