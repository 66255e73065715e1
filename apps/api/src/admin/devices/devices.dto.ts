import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsIn,
  IsInt,
  IsIP,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsLabelMap } from '../../common/is-label-map';

export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const MAX_BULK_DEVICES = 1000;

export class CreateDeviceDto {
  @ApiPropertyOptional({
    description: "The operator's own name for the device (serial number, asset tag). Defaults to the label.",
  })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,128}$/, {
    message: 'identifier must be 1–128 printable ASCII characters without spaces',
  })
  identifier?: string;

  @ApiPropertyOptional({
    description: 'DNS label for the device (random, 10 characters, if omitted).',
    example: 'x7k2qf9a3m',
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @Matches(DNS_LABEL, {
    message: 'label must be a DNS label: a-z, 0-9 and -, 1–63 characters, not starting or ending with -',
  })
  label?: string;

  @ApiPropertyOptional({
    description: 'Key/value labels for filtering.',
    example: { site: 'berlin', model: 'nas-4' },
  })
  @IsOptional()
  @IsObject()
  @IsLabelMap()
  labels?: Record<string, string>;
}

export class CreateDevicesDto {
  @ApiProperty({
    type: [CreateDeviceDto],
    description: `1–${MAX_BULK_DEVICES} devices, created all or none.`,
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_DEVICES)
  @ValidateNested({ each: true })
  @Type(() => CreateDeviceDto)
  devices!: CreateDeviceDto[];
}

export class DeviceAddressesView {
  @ApiProperty({ nullable: true, type: String }) ipv4!: string | null;
  @ApiProperty({ nullable: true, type: String }) ipv6!: string | null;
}

export class DeviceView {
  @ApiProperty() id!: string;
  @ApiProperty() identifier!: string;
  @ApiProperty() label!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: string;
  @ApiProperty() addresses!: DeviceAddressesView;
  @ApiProperty({ nullable: true, type: String }) addressesUpdatedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) disabledAt!: string | null;
}

export class CreatedDeviceView {
  @ApiProperty() id!: string;
  @ApiProperty() identifier!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty({ description: 'The device token. Shown once: only its hash is stored.' }) token!: string;
}

export class CreatedDevicesView {
  @ApiProperty({ type: [CreatedDeviceView] }) devices!: CreatedDeviceView[];
}

export class DevicePageView {
  @ApiProperty({ type: [DeviceView] }) items!: DeviceView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null on the last.',
  })
  nextCursor!: string | null;
}

export class TokenView {
  @ApiProperty({ description: 'The new device token. Shown once; every older token is revoked.' })
  token!: string;
}

export class ListDevicesQuery {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) identifier?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(253)
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase().replace(/\.$/, '') : value))
  hostname?: string;

  @ApiPropertyOptional({ description: 'Exact IPv4 or IPv6 address the device reported.' })
  @IsOptional()
  @IsIP()
  address?: string;

  @ApiPropertyOptional({
    description:
      'Search: devices whose hostname (or DNS label), identifier or reported address starts with this text.',
    example: 'x7k2',
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() || undefined : value))
  @IsString()
  @MaxLength(253)
  q?: string;

  @ApiPropertyOptional({ description: 'Label filter `key=value`; repeat for several.', type: [String] })
  @IsOptional()
  @Transform(({ value }) => (Array.isArray(value) ? value : [value]))
  @Matches(/^[A-Za-z0-9_./-]{1,63}=.{0,256}$/, { each: true, message: 'label must be key=value' })
  label?: string[];
}
