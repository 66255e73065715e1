// What the admin API answers, as the dashboard reads it (see /docs for the full contract).

export type Role = 'admin' | 'viewer';

export interface SessionInfo {
  operator: { id: string; name: string; role: Role };
  via: 'session' | 'api-key';
  expiresAt: string | null;
}

export interface Device {
  id: string;
  identifier: string;
  label: string;
  hostname: string;
  labels: Record<string, string>;
  status: 'active' | 'disabled';
  addresses: { ipv4: string | null; ipv6: string | null };
  addressesUpdatedAt: string | null;
  createdAt: string;
  disabledAt: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CreatedDevice {
  id: string;
  identifier: string;
  hostname: string;
  token: string;
}

export interface Identifier {
  type: 'dns' | 'ip';
  value: string;
}

export type RequestStatus = 'pending' | 'deferred' | 'processing' | 'valid' | 'failed';

export interface DeviceRequest {
  id: string;
  status: RequestStatus;
  identifiers: Identifier[];
  profile: string | null;
  challenge: string;
  attempts: number;
  isRenewal: boolean;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  deferredUntil: string | null;
  error: { type: string; detail: string } | null;
  certificateId: string | null;
}

export type CertificateState = 'valid' | 'expiring' | 'expired' | 'revoked' | 'superseded';

export interface DeviceCertificate {
  id: string;
  requestId: string;
  serial: string;
  identifiers: Identifier[];
  notBefore: string;
  notAfter: string;
  renewal: { windowStart: string; windowEnd: string } | null;
  renewAt: string | null;
  state: CertificateState;
  revokedAt: string | null;
  revokedReason: string | null;
  supersededById: string | null;
  createdAt: string;
}

export interface FailureReport {
  since: string;
  total: number;
  groups: {
    type: string;
    title: string;
    count: number;
    lastFailedAt: string;
    examples: {
      requestId: string;
      deviceId: string;
      hostname: string;
      identifiers: Identifier[];
      detail: string;
      attempts: number;
      failedAt: string;
    }[];
  }[];
}

export interface QueueCounts {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  paused: boolean;
}

export interface FailedJob {
  id: string;
  name: string;
  requestId: string;
  attemptsMade: number;
  failedReason: string;
  failedAt: string | null;
  createdAt: string;
}

export interface IssuanceSeries {
  bucket: 'day' | 'hour';
  timeZone: string;
  current: string;
  points: { start: string; issued: number; failed: number; expiring: number }[];
}

export interface AuditEvent {
  id: string;
  actorType: 'operator' | 'device' | 'system';
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}
