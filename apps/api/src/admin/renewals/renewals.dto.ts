import { ApiProperty } from '@nestjs/swagger';

export class RenewalRequestView {
  @ApiProperty({ description: 'The renewal request (as `GET /v1/certificates/{id}` knows it).' }) id!: string;
  @ApiProperty({ enum: ['pending', 'deferred', 'processing', 'valid', 'failed'] }) status!: string;
  @ApiProperty({ description: 'The certificate it replaces.' }) replacesCertificateId!: string;
  @ApiProperty({ description: 'False when a renewal of that certificate was already under way.' })
  created!: boolean;
}

export class ForcedRenewalView {
  @ApiProperty() deviceId!: string;
  @ApiProperty({
    type: [RenewalRequestView],
    description: 'One per live certificate (identifier set) of the device.',
  })
  requests!: RenewalRequestView[];
}
