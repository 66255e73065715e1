import type { AccountStore, PendingAccountKey, StoredAccount } from '../account-store.port';

/** {@link AccountStore} in a Map, with the same insert-if-absent semantics as the real one. Tests only. */
export class InMemoryAccountStore implements AccountStore {
  readonly #accounts = new Map<string, StoredAccount>();
  /** How many times `save` was called, per directory (tests assert registration happened once). */
  readonly saves = new Map<string, number>();

  async load(directoryUrl: string): Promise<StoredAccount | null> {
    const account = this.#accounts.get(directoryUrl);
    return account ? { ...account } : null;
  }

  async save(directoryUrl: string, account: StoredAccount): Promise<void> {
    this.saves.set(directoryUrl, (this.saves.get(directoryUrl) ?? 0) + 1);
    const existing = this.#accounts.get(directoryUrl);
    if (account.accountUrl === undefined) {
      if (!existing) this.#accounts.set(directoryUrl, { keyPem: account.keyPem });
      return;
    }
    if (existing && existing.keyPem !== account.keyPem) {
      throw new Error('InMemoryAccountStore: accountUrl saved for a key that is not the stored one');
    }
    this.#accounts.set(directoryUrl, { ...existing, keyPem: account.keyPem, accountUrl: account.accountUrl });
  }

  async beginKeyRollover(directoryUrl: string, next: PendingAccountKey): Promise<boolean> {
    const existing = this.#accounts.get(directoryUrl);
    if (!existing || existing.nextKey) return false;
    this.#accounts.set(directoryUrl, { ...existing, nextKey: { ...next } });
    return true;
  }

  async adoptKey(directoryUrl: string, keyPem: string): Promise<void> {
    const existing = this.#accounts.get(directoryUrl);
    if (!existing) throw new Error('InMemoryAccountStore: no account to adopt a key for');
    this.#accounts.set(directoryUrl, { keyPem, accountUrl: existing.accountUrl });
  }

  async dropNextKey(directoryUrl: string, thumbprint: string): Promise<void> {
    const existing = this.#accounts.get(directoryUrl);
    if (existing?.nextKey?.thumbprint !== thumbprint) return;
    this.#accounts.set(directoryUrl, { keyPem: existing.keyPem, accountUrl: existing.accountUrl });
  }
}
