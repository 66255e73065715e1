/** The account of one ACME directory as stored: the private key (PEM) and, once registered, its URL. */
export interface StoredAccount {
  /** PKCS#8 PEM private key. Secret: store it sealed (`SecretBox`, associated data = the directory URL), never log it. */
  keyPem: string;
  /** The account URL (`kid`) the CA assigned; absent until registration succeeded. */
  accountUrl?: string;
}

/**
 * Where the one ACME account of each directory lives (Postgres in production, with the key
 * sealed by `SecretBox`; `InMemoryAccountStore` in tests).
 *
 * `ensureAccount` calls `save` twice for a new account, and implementations must give these
 * semantics so that workers starting at the same time end with one account:
 * 1. `save(url, { keyPem })` (no `accountUrl`) before registering: **insert if absent** —
 *    when a record already exists, keep it and resolve without error (first writer wins;
 *    the caller reloads and adopts the stored key);
 * 2. `save(url, { keyPem, accountUrl })` after registering, with the key `load` returned:
 *    record the URL.
 */
export interface AccountStore {
  load(directoryUrl: string): Promise<StoredAccount | null>;
  save(directoryUrl: string, account: StoredAccount): Promise<void>;
}
