import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { SecretBox } from '@fleetcert/crypto';
import { AcmeAccountRepository } from '@fleetcert/db';
import { publicKeySha256OfPem } from '@fleetcert/pki';

/** How long a read fingerprint is trusted: the key changes only by a rollover, rarely. */
const FINGERPRINT_MAX_AGE_MS = 60_000;

/**
 * Fingerprint of the ACME account's public key, so that a CSR reusing the account key is
 * refused at submission (Let's Encrypt refuses it at finalize, after the order was spent).
 * Cached for a minute: a key rollover (possibly by another process) changes it.
 */
@Injectable()
export class AccountKeyFingerprintService {
  private cached?: { fingerprint: string; readAt: number };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly accounts: AcmeAccountRepository,
    private readonly box: SecretBox,
  ) {}

  async current(): Promise<string | undefined> {
    // Until the worker has created the account, look each time (one indexed read, and only
    // until the very first order); then once a minute.
    if (this.cached && Date.now() - this.cached.readAt < FINGERPRINT_MAX_AGE_MS)
      return this.cached.fingerprint;
    const directoryUrl = this.config.acme.directoryUrl;
    const row = await this.accounts.getByDirectory(directoryUrl);
    if (!row) return undefined;
    const fingerprint = publicKeySha256OfPem(this.box.open(row.keyCiphertext, directoryUrl).toString('utf8'));
    this.cached = { fingerprint, readAt: Date.now() };
    return fingerprint;
  }
}
