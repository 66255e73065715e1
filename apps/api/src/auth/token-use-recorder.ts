import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DeviceRepository } from '@fleetcert/db';
import { errorMessage } from '@fleetcert/observability';

/**
 * How long a recorded use waits before it is written. Uses arriving meanwhile join the same
 * statement; ~1 s keeps the stamp current enough for an operator ("last used") and turns the
 * stamps of a whole burst of new devices into one write.
 */
const FLUSH_DELAY_MS = 1000;

/**
 * Most tokens waiting to be written. Reaching it flushes at once; while a flush is running
 * or failing, uses of further tokens are dropped (counted in the warning): a stamp is
 * worth less than bounded memory. Each entry is a token id and a Date (~150 bytes).
 */
const MAX_PENDING = 10_000;

export interface TokenUseRecorderOptions {
  flushDelayMs?: number;
  maxPending?: number;
}

/** Writes a batch of uses (token id → when used) in one statement; rejects when nothing was written. */
export type WriteUses = (uses: ReadonlyMap<string, Date>) => Promise<unknown>;

/**
 * Token uses, written behind: authentication only records that a token was used, and this
 * writes the latest use of every recorded token in one statement within ~1 s. So a request
 * never waits for (nor commits) a write of its own, and one API process writes about one
 * stamp statement per second at most (more only when {@link MAX_PENDING} tokens wait).
 * Shutdown writes what is left; a crash loses the last second.
 *
 * Callers decide what is worth recording (`UsageStamp`: once per token per five minutes).
 */
export class TokenUseRecorder {
  private readonly logger = new Logger(TokenUseRecorder.name);
  private readonly flushDelayMs: number;
  private readonly maxPending: number;
  private pending = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  /** The last flush queued; flushes run one at a time, in order. */
  private tail: Promise<boolean> = Promise.resolve(true);
  /** Flushes queued or running. */
  private queued = 0;
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly write: WriteUses,
    opts: TokenUseRecorderOptions = {},
  ) {
    this.flushDelayMs = opts.flushDelayMs ?? FLUSH_DELAY_MS;
    this.maxPending = opts.maxPending ?? MAX_PENDING;
  }

  /** Uses waiting to be written. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Notes that token `id` was used at `at`; only the latest use per token is kept. */
  record(id: string, at: Date): void {
    const known = this.pending.get(id);
    if (known) {
      if (known < at) this.pending.set(id, at);
      return;
    }
    if (this.pending.size >= this.maxPending) {
      // Full while a flush runs (or after one failed): that flush's end writes or retries.
      this.dropped++;
      return;
    }
    this.pending.set(id, at);
    if (this.pending.size < this.maxPending) this.schedule();
    else if (this.queued === 0) void this.flush();
  }

  /**
   * Writes every use recorded so far (after any flush already running). Resolves to
   * whether they were written; on failure they stay pending for the next try.
   */
  flush(): Promise<boolean> {
    this.queued++;
    const run = this.tail.then(() => this.writePending());
    this.tail = run.catch(() => false);
    return run;
  }

  /** Stops the timer and writes what is left: a graceful stop loses no use. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!(await this.flush()) && this.pending.size > 0) {
      this.logger.warn({ uses: this.pending.size }, 'token uses not stamped at shutdown');
    }
  }

  private schedule(): void {
    if (this.timer || this.pending.size === 0 || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushDelayMs);
    // A pending stamp alone must not keep the process alive (shutdown writes it).
    this.timer.unref();
  }

  private async writePending(): Promise<boolean> {
    const batch = this.pending;
    this.pending = new Map();
    let written = true;
    if (batch.size > 0) {
      try {
        await this.write(batch);
      } catch (err) {
        written = false;
        this.restore(batch);
        // The error is the database's; token ids and secrets are never part of it.
        this.logger.warn(
          { err: errorMessage(err), uses: batch.size, dropped: this.dropped },
          'could not stamp token uses; retrying',
        );
      }
    }
    if (this.dropped > 0 && written) {
      this.logger.warn({ dropped: this.dropped }, 'token uses dropped: too many waiting to be stamped');
      this.dropped = 0;
    }
    this.queued--;
    // Filled up again while this one ran: write on at once. After a failure, wait first.
    if (written && this.pending.size >= this.maxPending && this.queued === 0) void this.flush();
    else this.schedule();
    return written;
  }

  /** Puts a batch that failed back, under later uses recorded meanwhile, within the bound. */
  private restore(batch: Map<string, Date>): void {
    for (const [id, at] of batch) {
      const later = this.pending.get(id);
      if (later) {
        if (later < at) this.pending.set(id, at);
      } else if (this.pending.size < this.maxPending) {
        this.pending.set(id, at);
      } else {
        this.dropped++;
      }
    }
  }
}

/** The API's recorder of device-token uses, written to `device_tokens."lastUsedAt"`. */
@Injectable()
export class DeviceTokenUses extends TokenUseRecorder implements OnApplicationShutdown {
  constructor(devices: DeviceRepository) {
    super((uses) => devices.stampTokenUses(uses));
  }

  // The HTTP server is closed by now, and the database pool (a global module) closes after.
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
