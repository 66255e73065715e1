import { ForbiddenException, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { hashToken, parseToken, tokenMatches, TOKEN_KINDS } from '@fleetcert/auth';
import { DeviceRepository } from '@fleetcert/db';
import { HeaderBearerStrategy } from './header-bearer.strategy';
import type { DevicePrincipal } from './principal';

/** A token's `lastUsedAt` is written at most this often: authentication stays one statement. */
const USAGE_STAMP_INTERVAL_MS = 5 * 60_000;

/** `Authorization: Bearer fcd_…` → the one device the token belongs to. */
@Injectable()
export class DeviceTokenStrategy extends PassportStrategy(HeaderBearerStrategy, 'device') {
  constructor(private readonly devices: DeviceRepository) {
    super();
  }

  async validate(token: string): Promise<DevicePrincipal | false> {
    const parsed = parseToken(token, TOKEN_KINDS.device);
    if (!parsed) return false;
    // The read also stamps the token's use when it is due, in the same round trip, and only
    // for a token that authenticates (the statement checks what the lines below check).
    const now = new Date();
    const row = await this.devices.getTokenByPrefixStampingUse(parsed.prefix, {
      hash: hashToken(parsed.token),
      now,
      stampBefore: new Date(now.getTime() - USAGE_STAMP_INTERVAL_MS),
    });
    if (!row || row.revokedAt || !tokenMatches(parsed.token, row.hash)) return false;
    if (row.device.status !== 'active') throw new ForbiddenException('This device is disabled');
    return { kind: 'device', device: row.device };
  }
}
