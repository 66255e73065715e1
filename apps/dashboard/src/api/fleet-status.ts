import { api } from './client';
import type { CapacityForecast } from './rate-limits';

/** The overview's counts, from `GET /v1/admin/fleet/status`. */
export interface FleetStatus {
  generatedAt: string;
  devices: { total: number; active: number; disabled: number };
  /** Live certificates: valid beyond 7 days, expiring within 7 days, expired; and revoked ones. */
  certificates: { valid: number; expiring: number; expired: number; revoked: number };
  requests: { pending: number; deferred: number; processing: number; valid: number; failed: number };
  failures: { last24h: number; byType: { type: string | null; count: number }[] };
  renewals: { dueWithin24h: number; dueWithin7Days: number };
  capacity: CapacityForecast;
}

export function loadFleetStatus(signal?: AbortSignal): Promise<FleetStatus> {
  return api.get<FleetStatus>('/v1/admin/fleet/status', undefined, signal);
}
