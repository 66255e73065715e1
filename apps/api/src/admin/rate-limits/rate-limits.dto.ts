import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { LIMIT_NAMES } from '@fleetcert/ratelimit';

export class ListRateLimitsQuery {
  @ApiPropertyOptional({ enum: LIMIT_NAMES, description: 'Only buckets of this limit.' })
  @IsOptional()
  @IsIn(LIMIT_NAMES)
  limit?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000, description: 'Buckets per page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  pageSize: number = 100;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a cursor returned by this endpoint' })
  cursor?: string;
}

export class RateLimitDefinitionView {
  @ApiProperty({ enum: LIMIT_NAMES }) limit!: string;
  @ApiProperty({ description: 'Tokens a full bucket holds.' }) capacity!: number;
  @ApiProperty({ description: 'Seconds for one token to come back.' }) refillEverySeconds!: number;
  @ApiProperty({ description: 'Renewals of a recently issued identifier set neither check nor spend it.' })
  renewalExempt!: boolean;
  @ApiProperty({
    description: 'ARI renewals (`replaces`, inside the suggested window) neither check nor spend it.',
  })
  ariRenewalExempt!: boolean;
}

export class RateLimitBucketView {
  @ApiProperty({ enum: LIMIT_NAMES }) limit!: string;
  @ApiProperty({
    example: 'example.com',
    description: '`account`, a registered domain, an address, an identifier set or an identifier.',
  })
  key!: string;
  @ApiProperty() capacity!: number;
  @ApiProperty() remaining!: number;
  @ApiProperty() refillEverySeconds!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'When the next token arrives (null: the bucket is full). With none left, when an order can go out.',
  })
  nextAvailableAt!: string | null;
  @ApiProperty({ description: 'When the bucket is full again.' }) fullAt!: string;
}

export class OnboardingForecastView {
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'New devices that can get a first certificate in the period (null: no modelled limit applies).',
  })
  newDevices!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: LIMIT_NAMES,
    description: 'The limit that sets the number.',
  })
  limitedBy!: string | null;
  @ApiProperty({ description: 'Renewals due in the period.' }) renewalsDue!: number;
  @ApiProperty({
    description:
      'Tokens those renewals take from the two limits new devices need (0 when the CA exempts renewals).',
    example: { newOrdersPerAccount: 0, certificatesPerRegisteredDomain: 0 },
  })
  renewalsSpend!: { newOrdersPerAccount: number; certificatesPerRegisteredDomain: number };
}

export class CapacityForecastView {
  @ApiProperty({ type: OnboardingForecastView }) next24h!: OnboardingForecastView;
  @ApiProperty({ type: OnboardingForecastView }) next7Days!: OnboardingForecastView;
}

export class AcmeAccountRefView {
  @ApiProperty() directoryUrl!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Null until the account is registered.' })
  accountUrl!: string | null;
}

export class RateLimitsView {
  @ApiProperty({ type: AcmeAccountRefView, description: 'The ACME account the buckets belong to.' })
  account!: AcmeAccountRefView;
  @ApiProperty({
    example: 'letsencrypt',
    description: 'The rate-limit model in use (`FLEETCERT_RATE_LIMITS`).',
  })
  model!: string;
  @ApiProperty({ type: [RateLimitDefinitionView] }) limits!: RateLimitDefinitionView[];
  @ApiProperty({
    type: [RateLimitBucketView],
    description:
      'The account-wide order bucket first (on the first page), then every bucket that is not full, least headroom first. A bucket not listed is full.',
  })
  buckets!: RateLimitBucketView[];
  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page of buckets.' }) nextCursor?: string;
  @ApiProperty({ type: CapacityForecastView }) forecast!: CapacityForecastView;
}
