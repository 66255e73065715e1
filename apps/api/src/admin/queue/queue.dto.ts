import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class QueueCountsView {
  @ApiProperty({ example: 'issuance' }) queue!: string;
  @ApiProperty({ description: 'Ready to run, waiting for a free worker slot.' }) waiting!: number;
  @ApiProperty({ description: 'Being worked on right now.' }) active!: number;
  @ApiProperty({ description: 'Parked until a time: backoff after an error, or a CA rate-limit deferral.' })
  delayed!: number;
  @ApiProperty({ description: 'Gave up after every attempt; can be retried.' }) failed!: number;
  @ApiProperty({ description: 'Finished recently (kept for a day).' }) completed!: number;
  @ApiProperty({ description: 'True while the queue is paused: waiting jobs do not start.' })
  paused!: boolean;
}

export class FailedJobsQuery {
  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ default: 0, description: 'How many of the newest failed jobs to skip.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset: number = 0;
}

export class FailedJobView {
  @ApiProperty({ description: 'Job id: the certificate request id.' }) id!: string;
  @ApiProperty({ example: 'issue' }) name!: string;
  @ApiProperty() requestId!: string;
  @ApiProperty() attemptsMade!: number;
  @ApiProperty({ description: 'The error of the last attempt.' }) failedReason!: string;
  @ApiProperty({ nullable: true, type: String }) failedAt!: string | null;
  @ApiProperty() createdAt!: string;
}

export class FailedJobPageView {
  @ApiProperty({ type: [FailedJobView], description: 'Newest first.' }) items!: FailedJobView[];
  @ApiProperty({ description: 'Failed jobs in all.' }) total!: number;
}

export class RetriedJobView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: "The job's state after the retry.", example: 'waiting' }) state!: string;
}
