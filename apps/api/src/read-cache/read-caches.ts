import type { DeviceReadCache, DeviceWithFleet } from '@fleetcert/db';

/** An authenticated device token, as the authentication cache keeps it (never the token or its hash). */
export interface CachedDeviceToken {
  /** The token's id (not secret): what its use is recorded under. */
  tokenId: string;
  device: DeviceWithFleet;
  /** The token's stored last use as read, which `UsageStamp` decides from after a restart. */
  lastUsedAt: Date | null;
}

/** Keyed by the token's SHA-256 (base64): device tokens that authenticated, with their device. */
export const DEVICE_AUTH_CACHE = Symbol('DEVICE_AUTH_CACHE');
export type DeviceAuthCache = DeviceReadCache<CachedDeviceToken>;

/**
 * A request as `GET /v1/certificates/{id}` answers it: the JSON body, made once from the
 * `RequestForDevice` read (its view depends on the rows alone, never on the clock).
 */
export interface CachedRequestBody {
  json: string;
}

/** Keyed by `deviceId/requestId`: what `GET /v1/certificates/{id}` answers from. */
export const DEVICE_REQUEST_CACHE = Symbol('DEVICE_REQUEST_CACHE');
export type DeviceRequestCache = DeviceReadCache<CachedRequestBody>;

/** The process's change feed (see `ChangeFeed`). */
export const CHANGE_FEED = Symbol('CHANGE_FEED');
