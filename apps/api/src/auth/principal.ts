import type { Device, Fleet, Operator } from '@fleetcert/db';

export interface DevicePrincipal {
  kind: 'device';
  device: Device & { fleet: Fleet };
}

export interface OperatorPrincipal {
  kind: 'operator';
  operator: Operator;
  apiKeyId: string;
  /** Set when the caller is a signed-in dashboard (session cookie) rather than a bearer key. */
  session?: { id: string; expiresAt: Date };
}
