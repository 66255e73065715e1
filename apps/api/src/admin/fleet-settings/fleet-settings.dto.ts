import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, Matches, ValidateIf } from 'class-validator';

export class UpdateFleetSettingsDto {
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'ACME profile for requests that name none (validated against the CA when ordering); null: the CA default.',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'defaultProfile must be a profile name such as tlsserver, or null',
  })
  defaultProfile?: string | null;

  @ApiPropertyOptional({ enum: ['home', 'hosted'] })
  @IsOptional()
  @IsIn(['home', 'hosted'])
  privacy?: 'home' | 'hosted';

  @ApiPropertyOptional({
    description:
      'Home fleets: allow one certificate with both the device name and its IP address. Certificate Transparency would publish the pair forever.',
  })
  @IsOptional()
  @IsBoolean()
  allowMixedIdentifiers?: boolean;
}

export class FleetSettingsView {
  @ApiProperty() name!: string;
  @ApiProperty() zone!: string;
  @ApiProperty({ enum: ['home', 'hosted'] }) privacy!: string;
  @ApiProperty() allowMixedIdentifiers!: boolean;
  @ApiProperty({ nullable: true, type: String }) defaultProfile!: string | null;
}
