import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { SignatureCheck, SignatureCheckThread } from '@fleetcert/pki';

/**
 * Where this API process checks CSR signatures: on a thread of its own
 * (`SignatureCheckThread`), so that the key import and the verification, about a quarter of
 * a submission's CPU, leave the event loop that serves every request. Started with the first
 * submission; ended at shutdown.
 */
@Injectable()
export class CsrSignatureChecks implements OnApplicationShutdown {
  private readonly logger = new Logger(CsrSignatureChecks.name);
  private readonly thread = new SignatureCheckThread({
    onThreadError: (err) =>
      this.logger.warn(
        { err: err.message },
        'the CSR signature check thread failed: its checks ran on the main thread, a new thread takes the next',
      ),
  });

  /** Whether the signature verifies; never rejects. */
  readonly check = (check: SignatureCheck): Promise<boolean> => this.thread.check(check);

  onApplicationShutdown(): Promise<void> {
    return this.thread.close();
  }
}
