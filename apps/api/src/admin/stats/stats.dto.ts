import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Most buckets each way: three months of days, or two weeks of hours. */
export const MAX_BUCKETS = { day: 92, hour: 336 } as const;

export class IssuanceSeriesQuery {
  @ApiPropertyOptional({ enum: ['day', 'hour'], default: 'day' })
  @IsOptional()
  @IsIn(['day', 'hour'])
  bucket: 'day' | 'hour' = 'day';

  @ApiPropertyOptional({ default: 30, description: 'Buckets before the current one.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_BUCKETS.hour)
  past: number = 30;

  @ApiPropertyOptional({ default: 30, description: 'Buckets after the current one.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_BUCKETS.hour)
  future: number = 30;

  @ApiPropertyOptional({
    default: 'UTC',
    example: 'Europe/Berlin',
    description: 'IANA time zone whose days (or hours) the buckets are.',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/, { message: 'timeZone must be an IANA time zone name' })
  timeZone: string = 'UTC';
}

export class IssuancePointView {
  @ApiProperty({ description: 'Start of the bucket (an instant; local midnight or full hour).' })
  start!: string;
  @ApiProperty({ description: 'Certificates issued in the bucket.' }) issued!: number;
  @ApiProperty({ description: 'Requests that failed in the bucket.' }) failed!: number;
  @ApiProperty({ description: 'Live certificates expiring in the bucket.' }) expiring!: number;
}

export class IssuanceSeriesView {
  @ApiProperty({ enum: ['day', 'hour'] }) bucket!: string;
  @ApiProperty() timeZone!: string;
  @ApiProperty({ description: 'Start of the bucket that holds now.' }) current!: string;
  @ApiProperty({ type: [IssuancePointView], description: 'Oldest first.' }) points!: IssuancePointView[];
}
