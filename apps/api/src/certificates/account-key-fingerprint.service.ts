import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { SecretBox } from '@fleetcert/crypto';
import { AcmeAccountRepository } from '@fleetcert/db';
import { publicKeySha256OfPem } from '@fleetcert/pki';

/**
 * Fingerprint of the ACME account's public key, so that a CSR reusing the account key is
 * refused at submission (Let's Encrypt refuses it at finalize, after the order was spent).
 * Cached once read: the account key does not change under a running server.
 */
@Injectable()
export class AccountKeyFingerprintService {
  private cached?: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly accounts: AcmeAccountRepository,
    private readonly box: SecretBox,
  ) {}

  async current(): Promise<string | undefined> {
    // Once known it never changes; until the worker has created the account, look each time
    // (one indexed read, and only until the very first order).
    if (this.cached) return this.cached;
    const directoryUrl = this.config.acme.directoryUrl;
    const row = await this.accounts.getByDirectory(directoryUrl);
    if (!row) return undefined;
    this.cached = publicKeySha256OfPem(this.box.open(row.keyCiphertext, directoryUrl).toString('utf8'));
    return this.cached;
  }
}
