import type { DeviceApiClient } from '../api/device-api.client';
import type { PendingChallenge } from '../api/device-api.types';
import type { Logger } from '../log/logger';

/** How the responder answers one well-formed challenge request. */
export type ChallengeAnswer =
  | { kind: 'text'; body: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'unknown' }
  | { kind: 'unavailable' };

/** Answers `GET /.well-known/acme-challenge/<token>` (the token is already checked). */
export interface ChallengeAnswers {
  answer(token: string): Promise<ChallengeAnswer>;
}

/** Proxy mode: asks the control server's public responder and relays its answer. */
export class ProxyAnswers implements ChallengeAnswers {
  constructor(
    private readonly api: DeviceApiClient,
    private readonly logger: Logger,
  ) {}

  async answer(token: string): Promise<ChallengeAnswer> {
    try {
      const body = await this.api.fetchChallengeAnswer(token);
      return body === null ? { kind: 'unknown' } : { kind: 'text', body };
    } catch (err) {
      this.logger.warn('challenge responder: the control server did not answer', { error: err });
      return { kind: 'unavailable' };
    }
  }
}

/** Redirect mode: sends the CA to the control server's public responder (302). */
export class RedirectAnswers implements ChallengeAnswers {
  constructor(private readonly api: DeviceApiClient) {}

  async answer(token: string): Promise<ChallengeAnswer> {
    return { kind: 'redirect', location: this.api.challengeUrl(token) };
  }
}

/**
 * Pull mode: serves the device's pending challenges, pulled from `GET /v1/device/challenges`.
 * A token it does not know yet triggers one pull at once (the CA may come before the next
 * scheduled pull); such pulls are single-flight and spaced, so random tokens from a
 * scanner cannot turn the device into a source of load on the server.
 */
export class PulledAnswers implements ChallengeAnswers {
  private challenges = new Map<string, { keyAuthorization: string; expiresAt: number }>();
  private pulling: Promise<void> | null = null;
  private lastPull = 0;

  constructor(
    private readonly api: DeviceApiClient,
    private readonly logger: Logger,
    private readonly opts: { minPullSpacingMs: number; now?: () => number } = { minPullSpacingMs: 1000 },
  ) {}

  /** Replaces the known challenges with a fresh list from the server. */
  async pull(): Promise<number> {
    this.lastPull = this.now();
    const list = await this.api.listChallenges();
    this.replace(list);
    return this.challenges.size;
  }

  replace(list: readonly PendingChallenge[]): void {
    const next = new Map<string, { keyAuthorization: string; expiresAt: number }>();
    for (const c of list) {
      const expiresAt = c.expiresAt ? Date.parse(c.expiresAt) : NaN;
      next.set(c.token, {
        keyAuthorization: c.keyAuthorization,
        expiresAt: Number.isNaN(expiresAt) ? Infinity : expiresAt,
      });
    }
    this.challenges = next;
  }

  get size(): number {
    return this.challenges.size;
  }

  async answer(token: string): Promise<ChallengeAnswer> {
    let known = this.lookup(token);
    if (!known && this.now() - this.lastPull >= this.opts.minPullSpacingMs) {
      this.pulling ??= this.pull()
        .then(
          () => undefined,
          (err) => this.logger.warn('challenge responder: cannot pull challenges', { error: err }),
        )
        .finally(() => (this.pulling = null));
      await this.pulling;
      known = this.lookup(token);
    }
    return known ? { kind: 'text', body: known } : { kind: 'unknown' };
  }

  private lookup(token: string): string | null {
    const entry = this.challenges.get(token);
    if (!entry || entry.expiresAt <= this.now()) return null;
    return entry.keyAuthorization;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
