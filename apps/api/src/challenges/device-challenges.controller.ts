import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ChallengeRepository, Device } from '@fleetcert/db';
import { CurrentDevice, DeviceAuth } from '../auth/auth.decorators';

class PendingChallengeView {
  @ApiProperty() token!: string;
  @ApiProperty({ description: 'Serve this as text/plain at /.well-known/acme-challenge/{token} on port 80.' })
  keyAuthorization!: string;
  @ApiProperty({ example: { type: 'ip', value: '203.0.113.7' } }) identifier!: {
    type: string;
    value: string;
  };
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
}

/**
 * Pull mode for devices that cannot forward port 80: the device fetches its pending
 * http-01 challenges and serves them itself. Fetching them tells the worker the device
 * has them, so it answers the challenge without waiting further.
 */
@ApiTags('device')
@Controller('v1/device/challenges')
@DeviceAuth()
export class DeviceChallengesController {
  constructor(private readonly challenges: ChallengeRepository) {}

  @Get()
  @ApiOkResponse({ type: [PendingChallengeView] })
  async list(@CurrentDevice() device: Device): Promise<PendingChallengeView[]> {
    const rows = await this.challenges.listServableHttp01ForDevice(device.id);
    await this.challenges.markPresented(rows.map((r) => r.id));
    return rows.map((c) => ({
      token: c.token,
      keyAuthorization: c.keyAuthorization,
      identifier: { type: c.identifierType, value: c.identifierValue },
      expiresAt: c.expiresAt?.toISOString() ?? null,
    }));
  }
}
