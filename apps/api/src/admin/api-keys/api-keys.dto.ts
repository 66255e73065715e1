import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ci-pipeline', description: 'What the key is for.' })
  @IsString()
  @Matches(/^[\x20-\x7e]{1,64}$/, { message: 'name must be 1–64 printable ASCII characters' })
  name!: string;
}

export class CreateOperatorDto {
  @ApiProperty({ example: 'alice' })
  @Matches(/^[a-z0-9][a-z0-9._@-]{0,63}$/, {
    message: 'name must be 1–64 lower-case letters, digits or . _ @ -',
  })
  name!: string;

  @ApiPropertyOptional({ enum: ['admin', 'viewer'], default: 'viewer' })
  @IsOptional()
  @IsIn(['admin', 'viewer'])
  role?: 'admin' | 'viewer';
}

export class ApiKeyView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Public part of the key, to tell keys apart.' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ description: 'The key. Shown once: only its hash is stored.' }) key!: string;
}

export class CreatedOperatorView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['admin', 'viewer'] }) role!: string;
  @ApiProperty({ type: CreatedApiKeyView }) apiKey!: CreatedApiKeyView;
}
