import { ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { parseToken, tokenMatches, TOKEN_KINDS } from '@fleetcert/auth';
import { DeviceRepository } from '@fleetcert/db';
import { HeaderBearerStrategy } from './header-bearer.strategy';
import type { DevicePrincipal } from './principal';
import { UsageStamp } from './usage-stamp';

/** `Authorization: Bearer fcd_…` → the one device the token belongs to. */
@Injectable()
export class DeviceTokenStrategy extends PassportStrategy(HeaderBearerStrategy, 'device') {
  private readonly logger = new Logger(DeviceTokenStrategy.name);
  private readonly usage = new UsageStamp();

  constructor(private readonly devices: DeviceRepository) {
    super();
  }

  async validate(token: string): Promise<DevicePrincipal | false> {
    const parsed = parseToken(token, TOKEN_KINDS.device);
    if (!parsed) return false;
    const row = await this.devices.getTokenByPrefix(parsed.prefix);
    if (!row || row.revokedAt || !tokenMatches(parsed.token, row.hash)) return false;
    if (row.device.status !== 'active') throw new ForbiddenException('This device is disabled');
    if (this.usage.due(row.id, row.lastUsedAt)) {
      this.devices
        .touchToken(row.id, new Date())
        .catch((err) => this.logger.warn({ err }, 'could not stamp token use'));
    }
    return { kind: 'device', device: row.device };
  }
}
