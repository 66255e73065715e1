import { ApiProperty } from '@nestjs/swagger';
import { CapacityForecastView } from '../rate-limits/rate-limits.dto';

export class DeviceCountsView {
  @ApiProperty() total!: number;
  @ApiProperty() active!: number;
  @ApiProperty() disabled!: number;
}

export class CertificateCountsView {
  @ApiProperty({
    description: 'Live certificates (neither superseded nor revoked) valid for more than 7 days.',
  })
  valid!: number;
  @ApiProperty({ description: 'Live certificates expiring within 7 days.' }) expiring!: number;
  @ApiProperty({ description: 'Live certificates past their expiry.' }) expired!: number;
  @ApiProperty() revoked!: number;
}

export class RequestCountsView {
  @ApiProperty() pending!: number;
  @ApiProperty() deferred!: number;
  @ApiProperty() processing!: number;
  @ApiProperty() valid!: number;
  @ApiProperty() failed!: number;
}

export class FailureTypeCountView {
  @ApiProperty({ nullable: true, type: String, example: 'urn:ietf:params:acme:error:dns' }) type!:
    string | null;
  @ApiProperty() count!: number;
}

export class FailureCountsView {
  @ApiProperty({ description: 'Requests that failed in the last 24 hours.' }) last24h!: number;
  @ApiProperty({ type: [FailureTypeCountView], description: 'The most frequent error types among them.' })
  byType!: FailureTypeCountView[];
}

export class RenewalCountsView {
  @ApiProperty({ description: 'Renewals the scheduler starts within 24 hours (overdue included).' })
  dueWithin24h!: number;
  @ApiProperty() dueWithin7Days!: number;
}

export class FleetStatusView {
  @ApiProperty() generatedAt!: string;
  @ApiProperty({ type: DeviceCountsView }) devices!: DeviceCountsView;
  @ApiProperty({ type: CertificateCountsView }) certificates!: CertificateCountsView;
  @ApiProperty({ type: RequestCountsView }) requests!: RequestCountsView;
  @ApiProperty({ type: FailureCountsView }) failures!: FailureCountsView;
  @ApiProperty({ type: RenewalCountsView }) renewals!: RenewalCountsView;
  @ApiProperty({
    type: CapacityForecastView,
    description: 'New devices that can be onboarded given the CA rate limits and the renewals already due.',
  })
  capacity!: CapacityForecastView;
}
