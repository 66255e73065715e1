import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIP, IsOptional, ValidateIf } from 'class-validator';
import { DeviceAddressesView } from '../admin/devices/devices.dto';

/** Omit a family to leave it as it is; `null` removes its record. */
export class UpdateAddressesDto {
  @ApiPropertyOptional({ nullable: true, type: String, example: '192.168.1.20' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsIP(4, { message: 'ipv4 must be an IPv4 address or null' })
  ipv4?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '2001:db8::20' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsIP(6, { message: 'ipv6 must be an IPv6 address or null' })
  ipv6?: string | null;
}

export class DeviceSelfView {
  @ApiProperty() identifier!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty() addresses!: DeviceAddressesView;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description: "The device's certificates, newest first.",
  })
  certificates!: unknown[];
}

export class AddressesResultView extends DeviceAddressesView {
  @ApiProperty({
    description: 'Whether the zone was changed (false when the addresses were already current).',
  })
  changed!: boolean;
}
