import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { hashToken, parseToken, tokenMatches, TOKEN_KINDS } from '@fleetcert/auth';
import { DeviceRepository } from '@fleetcert/db';
import { DEVICE_AUTH_CACHE, type DeviceAuthCache } from '../read-cache/read-caches';
import { HeaderBearerStrategy } from './header-bearer.strategy';
import type { DevicePrincipal } from './principal';

/** A token's `lastUsedAt` is written at most this often: authentication stays one statement. */
const USAGE_STAMP_INTERVAL_MS = 5 * 60_000;

/**
 * `Authorization: Bearer fcd_…` → the one device the token belongs to.
 *
 * A token that authenticated is kept in the authentication cache under its SHA-256, with
 * its device: a device's next requests skip the database until one of its rows changes
 * (the change feed drops it then, so a revoked token or a disabled device is refused at
 * once) or its use is due to be stamped again.
 */
@Injectable()
export class DeviceTokenStrategy extends PassportStrategy(HeaderBearerStrategy, 'device') {
  constructor(
    private readonly devices: DeviceRepository,
    @Inject(DEVICE_AUTH_CACHE) private readonly cache: DeviceAuthCache,
  ) {
    super();
  }

  async validate(token: string): Promise<DevicePrincipal | false> {
    const parsed = parseToken(token, TOKEN_KINDS.device);
    if (!parsed) return false;
    const hash = hashToken(parsed.token);
    const key = hash.toString('base64');
    const now = new Date();
    const stampBefore = new Date(now.getTime() - USAGE_STAMP_INTERVAL_MS);
    const cached = this.cache.get(key);
    if (cached && cached.lastUsedAt && cached.lastUsedAt >= stampBefore) {
      return { kind: 'device', device: cached.device };
    }

    const ticket = this.cache.ticket();
    // The read also stamps the token's use when it is due, in the same round trip, and only
    // for a token that authenticates (the statement checks what the lines below check).
    const row = await this.devices.getTokenByPrefixStampingUse(parsed.prefix, { hash, now, stampBefore });
    if (!row || row.revokedAt || !tokenMatches(parsed.token, row.hash)) return false;
    if (row.device.status !== 'active') throw new ForbiddenException('This device is disabled');
    const stamped = !row.lastUsedAt || row.lastUsedAt < stampBefore ? now : row.lastUsedAt;
    this.cache.set(key, row.device.id, { device: row.device, lastUsedAt: stamped }, ticket);
    return { kind: 'device', device: row.device };
  }
}
