import { ApiProperty } from '@nestjs/swagger';

export class AcmeAccountView {
  @ApiProperty({ description: 'The ACME directory the account belongs to.' }) directoryUrl!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The account URL (kid); null until registered.' })
  accountUrl!: string | null;
  @ApiProperty({
    description: 'JWK thumbprint (RFC 7638) of the account key: public, to compare with the CA.',
  })
  thumbprint!: string;
  @ApiProperty({ description: 'Which configured encryption key seals the account key.' }) keyId!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When the key was last rolled over; null: never.',
  })
  keyRolledAt!: string | null;
  @ApiProperty({
    description:
      'A rollover is under way, or was cut off: the first session to open after a minute asks the CA and settles it.',
  })
  rolloverPending!: boolean;
}

export class AcmeAccountKeyRolloverView {
  @ApiProperty() accountUrl!: string;
  @ApiProperty({ description: 'JWK thumbprint of the new key.' }) thumbprint!: string;
  @ApiProperty({ description: 'JWK thumbprint of the key it replaced (no longer accepted by the CA).' })
  previousThumbprint!: string;
  @ApiProperty() rolledAt!: string;
}
