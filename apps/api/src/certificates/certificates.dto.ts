import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

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

  @ApiPropertyOptional({
    enum: ['dns-01', 'http-01'],
    description:
      'Challenge type; chosen by identifier when omitted (dns-01 for the hostname, http-01 for IP addresses).',
  })
  @IsOptional()
  @IsIn(['dns-01', 'http-01'])
  challenge?: 'dns-01' | 'http-01';

  @ApiPropertyOptional({
    enum: ['proxy', 'pull'],
    default: 'proxy',
    description:
      'IP certificates: `proxy` — the device forwards or redirects port 80 `/.well-known/acme-challenge/` to the control server; `pull` — the device fetches `GET /v1/device/challenges` and serves them itself.',
  })
  @IsOptional()
  @IsIn(['proxy', 'pull'])
  http01Mode?: 'proxy' | 'pull';
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
  @ApiPropertyOptional({
    enum: ['proxy', 'pull'],
    description: 'IP certificates: how the device serves http-01 — what the request waits on while open.',
  })
  http01Mode?: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ description: 'PEM chain, leaf first, once valid.' }) certificate?: string;
  @ApiPropertyOptional() notBefore?: string;
  @ApiPropertyOptional() notAfter?: string;
  @ApiPropertyOptional({ type: RenewalWindowView }) renewal?: RenewalWindowView;
  @ApiPropertyOptional({
    description: 'Id of the request whose certificate replaced this one (renewal or key rotation).',
  })
  supersededBy?: string;
  @ApiPropertyOptional({
    description:
      'Id of the request holding the newest live certificate for these identifiers: fetch it for the current chain (this id when it is the newest).',
  })
  latest?: string;
  @ApiPropertyOptional() deferredUntil?: string;
  @ApiPropertyOptional({ type: RequestErrorView }) error?: RequestErrorView;
}
