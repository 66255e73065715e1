import { api, ApiError } from './client';

/** The one ACME account (`GET /v1/admin/acme-account`); the key itself never leaves the server. */
export interface AcmeAccount {
  directoryUrl: string;
  accountUrl: string | null;
  /** JWK thumbprint of the account key: public. */
  thumbprint: string;
  keyId: string;
  createdAt: string;
  keyRolledAt: string | null;
  rolloverPending: boolean;
}

export interface AcmeAccountKeyRollover {
  accountUrl: string;
  thumbprint: string;
  previousThumbprint: string;
  rolledAt: string;
}

/** The account, or null before the first order created it (the API answers 404). */
export async function loadAcmeAccount(signal?: AbortSignal): Promise<AcmeAccount | null> {
  try {
    return await api.get<AcmeAccount>('/v1/admin/acme-account', undefined, signal);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export function rollAcmeAccountKey(): Promise<AcmeAccountKeyRollover> {
  return api.post<AcmeAccountKeyRollover>('/v1/admin/acme-account/key-rollover');
}
