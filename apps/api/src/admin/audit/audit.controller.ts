import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AuditRepository, OperatorRepository } from '@fleetcert/db';
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
  @ApiProperty({ nullable: true, type: String, description: "The operator's name, when an operator acted." })
  actorName!: string | null;
  @ApiProperty() action!: string;
  @ApiProperty({ nullable: true, type: String }) targetType!: string | null;
  @ApiProperty({ nullable: true, type: String }) targetId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: unknown;
  @ApiProperty() createdAt!: string;
}

@ApiTags('admin: audit')
@Controller('v1/admin/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditRepository,
    private readonly operators: OperatorRepository,
  ) {}

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
    const operatorIds = [...new Set(rows.filter((r) => r.actorType === 'operator').map((r) => r.actorId!))];
    const names = await this.operators.namesByIds(operatorIds.filter(isUuid));
    return rows.map((r) => ({
      ...r,
      id: r.id.toString(),
      actorName: r.actorType === 'operator' && r.actorId ? (names.get(r.actorId) ?? null) : null,
      createdAt: r.createdAt.toISOString(),
    }));
  }
}

function isUuid(id: string | null | undefined): id is string {
  return typeof id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
