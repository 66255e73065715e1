import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIP, IsOptional, ValidateIf } from 'class-validator';
import { DeviceAddressesView } from '../admin/devices/devices.dto';
import { CertificateRequestView } from '../certificates/certificates.dto';

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
    type: [CertificateRequestView],
    description:
      "The device's latest certificate requests, newest first (without the chain; fetch one by id for it).",
  })
  certificates!: CertificateRequestView[];
}

export class AddressesResultView extends DeviceAddressesView {
  @ApiProperty({
    description: 'Whether the zone was changed (false when the addresses were already current).',
  })
  changed!: boolean;
}
