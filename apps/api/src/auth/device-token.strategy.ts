import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { hashTokenBase64, parseToken, tokenMatches, TOKEN_KINDS } from '@fleetcert/auth';
import { DeviceRepository } from '@fleetcert/db';
import { DEVICE_AUTH_CACHE, type DeviceAuthCache } from '../read-cache/read-caches';
import { HeaderBearerStrategy } from './header-bearer.strategy';
import type { DevicePrincipal } from './principal';
import { DeviceTokenUses } from './token-use-recorder';
import { UsageStamp } from './usage-stamp';

/**
 * `Authorization: Bearer fcd_…` → the one device the token belongs to.
 *
 * A token that authenticated is kept in the authentication cache under its SHA-256, with
 * its device: a device's next requests skip the database until one of its rows changes
 * (the change feed drops it then, so a revoked token or a disabled device is refused at
 * once). Authentication only reads: the token's use is recorded in memory, at most once in
 * five minutes per token, and written behind by {@link DeviceTokenUses}.
 */
@Injectable()
export class DeviceTokenStrategy extends PassportStrategy(HeaderBearerStrategy, 'device') {
  private readonly usage = new UsageStamp();

  constructor(
    private readonly devices: DeviceRepository,
    private readonly uses: DeviceTokenUses,
    @Inject(DEVICE_AUTH_CACHE) private readonly cache: DeviceAuthCache,
  ) {
    super();
  }

  async validate(token: string): Promise<DevicePrincipal | false> {
    const parsed = parseToken(token, TOKEN_KINDS.device);
    if (!parsed) return false;
    const key = hashTokenBase64(parsed.token);
    const cached = this.cache.get(key);
    if (cached) {
      this.noteUse(cached.tokenId, cached.lastUsedAt);
      return { kind: 'device', device: cached.device };
    }

    const ticket = this.cache.ticket();
    const row = await this.devices.getTokenByPrefix(parsed.prefix);
    if (!row || row.revokedAt || !tokenMatches(parsed.token, row.hash)) return false;
    if (row.device.status !== 'active') throw new ForbiddenException('This device is disabled');
    this.noteUse(row.id, row.lastUsedAt);
    this.cache.set(
      key,
      row.device.id,
      { tokenId: row.id, device: row.device, lastUsedAt: row.lastUsedAt },
      ticket,
    );
    return { kind: 'device', device: row.device };
  }

  /** Records a use of a token that authenticated, when its stamp is due. */
  private noteUse(tokenId: string, stored: Date | null): void {
    const now = Date.now();
    if (this.usage.due(tokenId, stored, now)) this.uses.record(tokenId, new Date(now));
  }
}
