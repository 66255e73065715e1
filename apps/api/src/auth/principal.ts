import type { Device, Fleet, Operator } from '@fleetcert/db';

export interface DevicePrincipal {
  kind: 'device';
  device: Device & { fleet: Fleet };
}

export interface OperatorPrincipal {
  kind: 'operator';
  operator: Operator;
  apiKeyId: string;
}
