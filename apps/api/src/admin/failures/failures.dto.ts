import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IdentifierView } from '../../certificates/certificates.dto';

export const MAX_FAILURE_WINDOW_HOURS = 24 * 30;

export class FailuresQuery {
  @ApiPropertyOptional({
    default: 24,
    maximum: MAX_FAILURE_WINDOW_HOURS,
    description: 'Look back this many hours.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_FAILURE_WINDOW_HOURS)
  hours: number = 24;

  @ApiPropertyOptional({ default: 5, maximum: 100, description: 'Latest failures listed per error type.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100)
  examples: number = 5;

  @ApiPropertyOptional({
    description: 'Only this error type (`unknown` for failures recorded without one).',
    example: 'urn:ietf:params:acme:error:rejectedIdentifier',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  type?: string;
}

export class FailureExampleView {
  @ApiProperty({ description: 'The certificate request.' }) requestId!: string;
  @ApiProperty() deviceId!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty({ type: [IdentifierView] }) identifiers!: IdentifierView[];
  @ApiProperty({ description: "The CA's (or fleetcert's) own words." }) detail!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty() failedAt!: string;
}

export class FailureGroupView {
  @ApiProperty({ example: 'urn:ietf:params:acme:error:rejectedIdentifier' }) type!: string;
  @ApiProperty({
    example: 'rejectedIdentifier',
    description: "A short name: an ACME problem's name, or fleetcert's own error marked `(fleetcert)`.",
  })
  title!: string;
  @ApiProperty() count!: number;
  @ApiProperty() lastFailedAt!: string;
  @ApiProperty({ type: [FailureExampleView], description: 'The latest failures of this type.' })
  examples!: FailureExampleView[];
}

export class FailureReportView {
  @ApiProperty() since!: string;
  @ApiProperty({ description: 'Failed requests in the window.' }) total!: number;
  @ApiProperty({ type: [FailureGroupView], description: 'Most frequent first.' }) groups!: FailureGroupView[];
}
