import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import {
  accountKeyThumbprint,
  AccountKeyRolloverInProgressError,
  AcmeCa,
  AcmeDeadlineError,
  AcmeNetworkError,
  AcmeProblemError,
} from '@fleetcert/acme';
import { ACME_CA } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { SecretBox } from '@fleetcert/crypto';
import { AcmeAccountRepository, AuditRepository } from '@fleetcert/db';
import type { OperatorPrincipal } from '../../auth/principal';
import type { AcmeAccountKeyRolloverView, AcmeAccountView } from './acme-account.dto';

/** The operator's view of the one ACME account, and its key rollover. */
@Injectable()
export class AcmeAccountService {
  private readonly logger = new Logger(AcmeAccountService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly accounts: AcmeAccountRepository,
    private readonly box: SecretBox,
    private readonly audit: AuditRepository,
    @Inject(ACME_CA) private readonly ca: AcmeCa,
  ) {}

  async get(): Promise<AcmeAccountView> {
    const directoryUrl = this.config.acme.directoryUrl;
    const row = await this.accounts.getByDirectory(directoryUrl);
    if (!row) throw noAccountYet(directoryUrl);
    return {
      directoryUrl,
      accountUrl: row.accountUrl,
      // The public half only; the key is opened in memory for this and never leaves it.
      thumbprint: accountKeyThumbprint(this.box.open(row.keyCiphertext, directoryUrl).toString('utf8')),
      keyId: row.keyId,
      createdAt: row.createdAt.toISOString(),
      keyRolledAt: row.keyRolledAt?.toISOString() ?? null,
      rolloverPending: row.nextKeyCiphertext !== null,
    };
  }

  async rollKey(auth: OperatorPrincipal): Promise<AcmeAccountKeyRolloverView> {
    const directoryUrl = this.config.acme.directoryUrl;
    const row = await this.accounts.getByDirectory(directoryUrl);
    // Rolling an account that does not exist would first create it: nothing to protect yet.
    if (!row?.accountUrl) throw noAccountYet(directoryUrl);
    const rolled = await this.ca.rollAccountKey().catch((err: unknown) => {
      throw toHttp(err);
    });
    const rolledAt = new Date();
    // Thumbprints only: public, and what the CA's side shows too.
    this.logger.log(
      {
        accountUrl: rolled.accountUrl,
        thumbprint: rolled.thumbprint,
        previousThumbprint: rolled.previousThumbprint,
        operatorId: auth.operator.id,
      },
      'ACME account key rolled over',
    );
    await this.audit.create({
      actorType: 'operator',
      actorId: auth.operator.id,
      action: 'acme-account.rollover-key',
      targetType: 'acme-account',
      targetId: row.id,
      details: { thumbprint: rolled.thumbprint, previousThumbprint: rolled.previousThumbprint },
    });
    return { ...rolled, rolledAt: rolledAt.toISOString() };
  }
}

function noAccountYet(directoryUrl: string): NotFoundException {
  return new NotFoundException(
    `No ACME account for ${directoryUrl} yet: it is created and registered with the first order`,
  );
}

/** What the CA or the network said, as the operator's answer; the stored account key is unchanged in every case. */
function toHttp(err: unknown): unknown {
  if (err instanceof AccountKeyRolloverInProgressError) {
    return new ConflictException(`${err.message}; try again in a minute`);
  }
  if (err instanceof AcmeNetworkError || err instanceof AcmeDeadlineError) {
    return new ServiceUnavailableException(
      'The CA could not be reached; the stored key is unchanged (should the CA have taken the new one unseen, that is settled within a minute). Try again shortly.',
    );
  }
  if (err instanceof AcmeProblemError) {
    if (err.status >= 500 || err.status === 429) {
      return new ServiceUnavailableException(
        `The CA is unavailable (${err.code}); the account keeps its key.`,
      );
    }
    return new UnprocessableEntityException(`The CA refused the key rollover (${err.code}): ${err.detail}`);
  }
  return err;
}
