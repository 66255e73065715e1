/** The account of one ACME directory as stored: the private key (PEM) and, once registered, its URL. */
export interface StoredAccount {
  /** PKCS#8 PEM private key. Secret: store it sealed (`SecretBox`, associated data = the directory URL), never log it. */
  keyPem: string;
  /** The account URL (`kid`) the CA assigned; absent until registration succeeded. */
  accountUrl?: string;
  /** A key rollover under way (or cut off by a crash): the key the account is moving to. */
  nextKey?: PendingAccountKey;
}

/**
 * The key an account is being rolled over to (RFC 8555 §7.3.5). It is stored before the CA
 * is asked, so a crash after the CA took it cannot lose the account; whoever finds it later
 * asks the CA which key it knows, and adopts or drops it.
 */
export interface PendingAccountKey {
  /** PKCS#8 PEM private key. Secret, like {@link StoredAccount.keyPem}. */
  keyPem: string;
  /** Its JWK thumbprint (public): names this rollover when it is dropped. */
  thumbprint: string;
  storedAt: Date;
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
  /** Stores `next` as the account's pending key, unless one is pending already (then `false`). */
  beginKeyRollover(directoryUrl: string, next: PendingAccountKey): Promise<boolean>;
  /** The CA took `keyPem`: it becomes the account key, and no key is pending any more. */
  adoptKey(directoryUrl: string, keyPem: string, rolledAt: Date): Promise<void>;
  /** The CA did not take the pending key `thumbprint`: forget it (if it is still the pending one). */
  dropNextKey(directoryUrl: string, thumbprint: string): Promise<void>;
}
