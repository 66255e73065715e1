import type { Identifier, RequestStatus } from '../api/device-api.types';
import type { CertificateKind, KeyType } from '../config/agent-config';

/** What the agent remembers between runs (`<stateDir>/state.json`); no secrets. */
export interface AgentState {
  version: 1;
  /** From the last `GET /v1/device`. */
  device?: { identifier: string; hostname: string; seenAt: string };
  /** The certificate of each kind that is installed (the files are the truth; this adds the plan). */
  certificates: Partial<Record<CertificateKind, InstalledCertificate>>;
  /** A request of each kind in flight; its key and CSR are in `<stateDir>/pending/<kind>.{key,csr}`. */
  pending: Partial<Record<CertificateKind, PendingRequest>>;
  /** Why a kind currently needs no certificate (e.g. no public IP address), shown by `status`. */
  idle: Partial<Record<CertificateKind, string>>;
  addresses?: { reported: { ipv4?: string | null; ipv6?: string | null }; at: string };
  /** The last error of each part of the agent, cleared by that part's next success. */
  errors: Partial<Record<Component, LastError>>;
  /** Last time the control server answered. */
  lastContactAt?: string;
}

/** The parts of the agent that record their last error: each kind, address reporting, pulled challenges, the reload command. */
export type Component = CertificateKind | 'addresses' | 'challenges' | 'reload';

export interface InstalledCertificate {
  /** The request it came from; absent when the agent adopted files it found on disk. */
  requestId?: string;
  serial: string;
  identifiers: Identifier[];
  notBefore: string;
  notAfter: string;
  /** The window the renewal time was drawn from (the server's, or the fallback rule's). */
  window: { start: string; end: string };
  windowSource: 'server' | 'fallback';
  /** The moment the agent will renew. */
  renewAt: string;
  installedAt: string;
  release: string;
  /** Last time the renewal window was read from the server. */
  checkedAt: string;
}

export interface PendingRequest {
  idempotencyKey: string;
  identifiers: Identifier[];
  keyType: KeyType;
  reason: string;
  createdAt: string;
  requestId?: string;
  submittedAt?: string;
  status?: RequestStatus;
  deferredUntil?: string;
}

export interface LastError {
  at: string;
  message: string;
  /** When the agent will try again. */
  retryAt?: string;
  /** Consecutive failures. */
  failures: number;
}

export function emptyState(): AgentState {
  return { version: 1, certificates: {}, pending: {}, idle: {}, errors: {} };
}
