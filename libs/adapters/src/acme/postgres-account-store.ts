import { Injectable } from '@nestjs/common';
import type { AccountStore, PendingAccountKey, StoredAccount } from '@fleetcert/acme';
import { SecretBox } from '@fleetcert/crypto';
import { AcmeAccountRepository } from '@fleetcert/db';

/**
 * The ACME account in Postgres. The private key is sealed with AES-256-GCM, bound to the
 * directory URL (a ciphertext moved to another row does not open); it is opened only in
 * memory, never logged, never put in a job payload.
 */
@Injectable()
export class PostgresAccountStore implements AccountStore {
  constructor(
    private readonly accounts: AcmeAccountRepository,
    private readonly box: SecretBox,
  ) {}

  async load(directoryUrl: string): Promise<StoredAccount | null> {
    const row = await this.accounts.getByDirectory(directoryUrl);
    if (!row) return null;
    const keyPem = this.box.open(row.keyCiphertext, directoryUrl).toString('utf8');
    if (this.box.needsResealing(row.keyCiphertext)) {
      // Key rotation: rewrite under the primary key as soon as the old one opened it.
      await this.accounts.update(row.id, {
        keyCiphertext: this.box.seal(keyPem, directoryUrl),
        keyId: this.box.primaryKeyId,
      });
    }
    const nextKey =
      row.nextKeyCiphertext && row.nextKeyThumbprint && row.nextKeyStoredAt
        ? {
            keyPem: this.box.open(row.nextKeyCiphertext, directoryUrl).toString('utf8'),
            thumbprint: row.nextKeyThumbprint,
            storedAt: row.nextKeyStoredAt,
          }
        : undefined;
    return { keyPem, accountUrl: row.accountUrl ?? undefined, ...(nextKey && { nextKey }) };
  }

  async save(directoryUrl: string, account: StoredAccount): Promise<void> {
    const row = await this.accounts.createIfAbsent({
      directoryUrl,
      keyCiphertext: this.box.seal(account.keyPem, directoryUrl),
      keyId: this.box.primaryKeyId,
      contact: [],
    });
    if (account.accountUrl && row.accountUrl !== account.accountUrl) {
      await this.accounts.update(row.id, { accountUrl: account.accountUrl });
    }
  }

  beginKeyRollover(directoryUrl: string, next: PendingAccountKey): Promise<boolean> {
    return this.accounts.beginKeyRollover(directoryUrl, {
      keyCiphertext: this.box.seal(next.keyPem, directoryUrl),
      thumbprint: next.thumbprint,
      storedAt: next.storedAt,
    });
  }

  adoptKey(directoryUrl: string, keyPem: string, rolledAt: Date): Promise<void> {
    return this.accounts.adoptKey(directoryUrl, {
      keyCiphertext: this.box.seal(keyPem, directoryUrl),
      keyId: this.box.primaryKeyId,
      rolledAt,
    });
  }

  dropNextKey(directoryUrl: string, thumbprint: string): Promise<void> {
    return this.accounts.dropNextKey(directoryUrl, thumbprint);
  }
}
