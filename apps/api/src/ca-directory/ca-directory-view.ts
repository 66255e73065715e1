import { Logger, Provider } from '@nestjs/common';
import type { AcmeCa, AcmeDirectory } from '@fleetcert/acme';
import { ACME_CA } from '@fleetcert/adapters';
import { errorMessage } from '@fleetcert/observability';

/** Timing of a {@link CaDirectoryView}; tests shorten it. */
export interface CaDirectoryViewTiming {
  /** A directory read this long ago is read again, in the background. */
  refreshAfterMs: number;
  /** After a failed read, none is tried for this long: callers get the last one, or none, at once. */
  retryAfterFailureMs: number;
  /** With no directory read yet, the longest a caller waits for the first read. */
  firstReadWaitMs: number;
}

export const CA_DIRECTORY_VIEW_TIMING: CaDirectoryViewTiming = {
  refreshAfterMs: 10 * 60_000,
  retryAfterFailureMs: 30_000,
  firstReadWaitMs: 2_000,
};

/**
 * The CA's directory as the API's request paths see it (the profiles a submission is checked
 * against, whether the CA has ARI for the capacity forecast), without ever making a request
 * wait on the CA. Reading the directory retries with backoff, each try bounded by the CA
 * timeout: while the CA was unreachable, every submission waited for that whole sequence
 * (~2.5 s when its name did not resolve, minutes when connections hang), and logged it.
 *
 * So the last directory read is served whatever its age, and read again in the background;
 * a failed read is not tried again for a while and is logged once; only the first caller
 * waits for the first read, and briefly. `undefined` means "not known now": callers
 * carry on without it (the worker, which needs the directory to order, checks again).
 */
export class CaDirectoryView {
  private readonly logger = new Logger(CaDirectoryView.name);
  private last?: { directory: AcmeDirectory; readAt: number };
  private reading?: Promise<void>;
  private failedAt = -Infinity;

  constructor(
    private readonly ca: AcmeCa,
    private readonly timing: CaDirectoryViewTiming = CA_DIRECTORY_VIEW_TIMING,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last directory read, or undefined when none could be read (yet). */
  async current(): Promise<AcmeDirectory | undefined> {
    if (this.last) {
      if (this.now() - this.last.readAt >= this.timing.refreshAfterMs) this.startReading();
      return this.last.directory;
    }
    const reading = this.startReading();
    if (!reading) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timing.firstReadWaitMs)));
    await Promise.race([reading, waited]);
    clearTimeout(timer);
    return this.lastDirectory();
  }

  /** A method, not `this.last` inline: after an await, what the read stored is not what was checked. */
  private lastDirectory(): AcmeDirectory | undefined {
    return this.last?.directory;
  }

  /** Starts one read unless one runs or the last failed too recently; returns the running one. */
  private startReading(): Promise<void> | undefined {
    if (this.reading) return this.reading;
    if (this.now() - this.failedAt < this.timing.retryAfterFailureMs) return undefined;
    this.reading = this.ca
      .directory()
      .then(
        (directory) => {
          this.last = { directory, readAt: this.now() };
          this.failedAt = -Infinity;
        },
        (err: unknown) => {
          this.failedAt = this.now();
          this.logger.warn({
            err: errorMessage(err),
            retryInMs: this.timing.retryAfterFailureMs,
            servingReadFromMs: this.last ? this.now() - this.last.readAt : null,
            msg: 'CA directory unreachable; submissions go on without it, the worker checks the profile',
          });
        },
      )
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}

/**
 * The API's one view. It reads the directory when first asked, not at boot: a read of an
 * unreachable CA retries with backoff, and would hold every API process that shuts down
 * meanwhile (tests included) until it gave up.
 */
export const CA_DIRECTORY_VIEW_PROVIDER: Provider = {
  provide: CaDirectoryView,
  inject: [ACME_CA],
  useFactory: (ca: AcmeCa) => new CaDirectoryView(ca),
};
