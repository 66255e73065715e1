import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AuditRepository } from '@fleetcert/db';
import { OperatorAuth } from '../../auth/auth.decorators';

class AuditQuery {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;

  @ApiPropertyOptional({ description: 'Events older than this event id (pagination).' })
  @IsOptional()
  @Matches(/^\d{1,19}$/)
  before?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(32) targetType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) targetId?: string;
}

class AuditEventView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['operator', 'device', 'system'] }) actorType!: string;
  @ApiProperty({ nullable: true, type: String }) actorId!: string | null;
  @ApiProperty() action!: string;
  @ApiProperty({ nullable: true, type: String }) targetType!: string | null;
  @ApiProperty({ nullable: true, type: String }) targetId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: unknown;
  @ApiProperty() createdAt!: string;
}

@ApiTags('admin: audit')
@Controller('v1/admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @Get()
  @OperatorAuth()
  @ApiOkResponse({ type: [AuditEventView] })
  async list(@Query() q: AuditQuery): Promise<AuditEventView[]> {
    const rows = await this.audit.list({
      limit: q.limit,
      before: q.before !== undefined ? BigInt(q.before) : undefined,
      targetType: q.targetType,
      targetId: q.targetId,
    });
    return rows.map((r) => ({ ...r, id: r.id.toString(), createdAt: r.createdAt.toISOString() }));
  }
}
