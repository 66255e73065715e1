import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, isTransient } from '../api/api-errors';
import type { DeviceApiClient, SubmitOptions } from '../api/device-api.client';
import type { CertificateRequestView, DeviceView, Identifier } from '../api/device-api.types';
import type { CertificateKind, CertificateSettings } from '../config/agent-config';
import { describeIdentifiers, sameIdentifiers } from '../crypto/identifiers';
import { CertificateCheckError, checkIssuedCertificate } from '../crypto/issued-certificate';
import { generateKeyAndCsr } from '../crypto/key-and-csr';
import { ensurePrivateDirectory, writeFileAtomic } from '../fs/atomic-write';
import type { Logger } from '../log/logger';
import type { InstalledCertificate, PendingRequest } from '../state/agent-state';
import type { StateStore } from '../state/state-store';
import { RequestRefusedError } from './certificate-errors';
import { CertificateStore } from './certificate-store';
import { runReloadCommand } from './reload-command';
import { chooseRenewalTime, windowFrom } from './renewal-plan';
import { WantedIdentifiers } from './wanted-identifiers';

/** What a step did: how long until the next one, and whether the kind is in its resting state. */
export interface StepResult {
  waitMs: number;
  /** A current certificate is installed and not due (or none is needed): nothing in flight. */
  settled: boolean;
}

export interface CertificateManagerOptions {
  kind: CertificateKind;
  settings: CertificateSettings;
  /** How IP certificates' challenges are served (see {@link SubmitOptions.http01Mode}); unset for DNS. */
  http01Mode?: SubmitOptions['http01Mode'];
  api: DeviceApiClient;
  state: StateStore;
  files: CertificateStore;
  /** Where keys and CSRs of requests in flight wait (`<stateDir>/pending`). */
  pendingDir: string;
  logger: Logger;
  wanted: (device: DeviceView) => WantedIdentifiers;
  reload?: { command: string; timeoutMs: number };
  intervals: { renewalCheckMs: number; pollMinMs: number; pollMaxMs: number };
  now?: () => Date;
  random?: () => number;
}

const DEFERRED_RECHECK_MS = 3600_000;

/**
 * No certificate is replaced by a renewal before a tenth of its lifetime has passed since
 * it was installed (9 days of a 90-day certificate, 16 hours of a 6-day one), whatever the
 * plan says, so that a bad window or a wrong clock cannot make the agent renew in a loop.
 */
function earliestRenewal(installed: InstalledCertificate): number {
  const lifetime = new Date(installed.notAfter).getTime() - new Date(installed.notBefore).getTime();
  return new Date(installed.installedAt).getTime() + Math.max(0, lifetime) / 10;
}

/**
 * Keeps one kind of certificate (DNS or IP) current: decides when a new one is needed,
 * generates its key and CSR, submits, follows the request, installs the result and runs
 * the reload command. Each {@link step} does one unit of that work and says how long to
 * wait before the next; errors are thrown to the loop, which retries with backoff.
 *
 * Everything it needs to resume is on disk before it talks to the server: the key and
 * CSR and an idempotency key are saved before the CSR is submitted, the request id as
 * soon as the server returns it. A restart, a crash or a lost answer therefore continues
 * the same request instead of creating another one.
 */
export class CertificateManager {
  private polls = 0;
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(private readonly o: CertificateManagerOptions) {
    this.now = o.now ?? (() => new Date());
    this.random = o.random ?? Math.random;
  }

  get kind(): CertificateKind {
    return this.o.kind;
  }

  /** Whether a request of this kind is in flight. */
  get busy(): boolean {
    return this.o.state.current.pending[this.o.kind] !== undefined;
  }

  async step(): Promise<StepResult> {
    const pending = this.o.state.current.pending[this.o.kind];
    if (pending) return this.advance(pending);

    const device = await this.o.api.getDevice();
    await this.o.state.update((s) => {
      s.device = {
        identifier: device.identifier,
        hostname: device.hostname,
        seenAt: this.now().toISOString(),
      };
    });
    const wanted = this.o.wanted(device);
    if ('none' in wanted) {
      if (this.o.state.current.idle[this.o.kind] !== wanted.none) {
        this.o.logger.info(`no ${this.o.kind} certificate needed`, {
          kind: this.o.kind,
          reason: wanted.none,
        });
        await this.o.state.update((s) => void (s.idle[this.o.kind] = wanted.none));
      }
      return { waitMs: this.o.intervals.renewalCheckMs, settled: true };
    }
    if (this.o.state.current.idle[this.o.kind])
      await this.o.state.update((s) => void delete s.idle[this.o.kind]);

    const installed = await this.installed(device);
    const reason = this.renewalReason(installed, wanted.identifiers);
    if (reason) {
      await this.startRequest(wanted.identifiers, reason);
      return { waitMs: 0, settled: false };
    }
    const current = await this.refreshWindow(installed as InstalledCertificate);
    const untilRenewal =
      Math.max(new Date(current.renewAt).getTime(), earliestRenewal(current)) - this.now().getTime();
    const untilCheck =
      new Date(current.checkedAt).getTime() + this.o.intervals.renewalCheckMs - this.now().getTime();
    return { waitMs: Math.max(0, Math.min(untilRenewal, untilCheck)), settled: true };
  }

  /** The installed certificate, adopting files found on disk without a matching record. */
  private async installed(device: DeviceView): Promise<InstalledCertificate | string | null> {
    let disk;
    try {
      disk = await this.o.files.readCurrent();
    } catch (err) {
      if (err instanceof CertificateCheckError) return `the installed files are unusable: ${err.message}`;
      throw err;
    }
    if (!disk) return null;
    const record = this.o.state.current.certificates[this.o.kind];
    if (record && record.serial === disk.issued.serial) return record;

    // Files without a record (state lost, or installed by an earlier agent): adopt them,
    // finding their request among the device's recent ones so the server's window applies.
    const { issued } = disk;
    const request = device.certificates.find(
      (c) =>
        c.status === 'valid' &&
        c.notAfter !== undefined &&
        new Date(c.notAfter).getTime() === issued.notAfter.getTime() &&
        sameIdentifiers(c.identifiers, issued.identifiers),
    );
    // Its real install time is unknown; its notBefore is the honest lower bound.
    const adopted = this.record(request?.id, issued, request?.renewal, disk.release, issued.notBefore);
    await this.o.state.update((s) => void (s.certificates[this.o.kind] = adopted));
    this.o.logger.info('adopted the certificate found on disk', {
      kind: this.o.kind,
      serial: issued.serial,
      notAfter: issued.notAfter,
      renewAt: adopted.renewAt,
    });
    return adopted;
  }

  private renewalReason(
    installed: InstalledCertificate | string | null,
    wanted: Identifier[],
  ): string | null {
    if (installed === null) return 'no certificate installed yet';
    if (typeof installed === 'string') return installed;
    const now = this.now().getTime();
    if (!sameIdentifiers(installed.identifiers, wanted)) {
      return `identifiers changed (${describeIdentifiers(installed.identifiers)} → ${describeIdentifiers(wanted)})`;
    }
    const due =
      now >= new Date(installed.notAfter).getTime()
        ? 'the certificate has expired'
        : now >= new Date(installed.renewAt).getTime()
          ? 'renewal time reached'
          : null;
    if (due && now < earliestRenewal(installed)) {
      // Due at once after installing means a window already over at issuance or a device
      // clock far off: renewing now would only repeat, so renewals are spaced instead.
      this.o.logger.warn(
        `not renewing the ${this.o.kind} certificate yet: ${due} right after it was installed`,
        {
          kind: this.o.kind,
          installedAt: installed.installedAt,
          notAfter: installed.notAfter,
          now: new Date(now),
          hint: 'is the device clock right?',
        },
      );
      return null;
    }
    return due;
  }

  /** Reads the server's renewal window again when the last look is old enough (ARI can move it). */
  private async refreshWindow(installed: InstalledCertificate): Promise<InstalledCertificate> {
    const now = this.now();
    if (now.getTime() - new Date(installed.checkedAt).getTime() < this.o.intervals.renewalCheckMs)
      return installed;
    let next: InstalledCertificate = { ...installed, checkedAt: now.toISOString() };
    if (installed.requestId) {
      try {
        const view = await this.o.api.getRequest(installed.requestId);
        const window = windowFrom(view.renewal, new Date(installed.notBefore), new Date(installed.notAfter));
        if (
          view.renewal &&
          (window.start.toISOString() !== installed.window.start ||
            window.end.toISOString() !== installed.window.end)
        ) {
          const renewAt = chooseRenewalTime(window, new Date(installed.notAfter), now, this.random);
          next = {
            ...next,
            window: { start: window.start.toISOString(), end: window.end.toISOString() },
            windowSource: 'server',
            renewAt: renewAt.toISOString(),
          };
          this.o.logger.info('the server moved the renewal window', {
            kind: this.o.kind,
            windowStart: window.start,
            windowEnd: window.end,
            renewAt,
          });
        }
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        next = { ...next, requestId: undefined }; // the server forgot it: keep the plan we have
      }
    }
    await this.o.state.update((s) => void (s.certificates[this.o.kind] = next));
    return next;
  }

  private async startRequest(identifiers: Identifier[], reason: string): Promise<void> {
    const { keyPem, csrPem } = await generateKeyAndCsr(this.o.settings.keyType, identifiers);
    await ensurePrivateDirectory(this.o.pendingDir);
    await writeFileAtomic(this.pendingPath('key'), keyPem);
    await writeFileAtomic(this.pendingPath('csr'), csrPem);
    const pending: PendingRequest = {
      idempotencyKey: randomUUID(),
      identifiers,
      keyType: this.o.settings.keyType,
      reason,
      createdAt: this.now().toISOString(),
    };
    await this.o.state.update((s) => void (s.pending[this.o.kind] = pending));
    this.polls = 0;
    this.o.logger.info(`requesting a new ${this.o.kind} certificate`, {
      kind: this.o.kind,
      reason,
      identifiers: describeIdentifiers(identifiers),
      keyType: pending.keyType,
    });
  }

  private async advance(pending: PendingRequest): Promise<StepResult> {
    let view: CertificateRequestView;
    try {
      if (pending.requestId) {
        view = await this.o.api.getRequest(pending.requestId);
      } else {
        const csr = await readFile(this.pendingPath('csr'), 'utf8').catch(() => null);
        if (csr === null) {
          await this.dropPending('its CSR file is gone');
          return { waitMs: 0, settled: false };
        }
        view = await this.o.api.submitCsr(
          csr,
          { profile: this.o.settings.profile, http01Mode: this.o.http01Mode },
          pending.idempotencyKey,
        );
        await this.o.state.update((s) => {
          s.pending[this.o.kind] = { ...pending, requestId: view.id, submittedAt: this.now().toISOString() };
        });
        this.o.logger.info('certificate request submitted', { kind: this.o.kind, requestId: view.id });
      }
    } catch (err) {
      if (err instanceof ApiError && !isTransient(err)) {
        if (pending.requestId && err.status === 404) {
          await this.dropPending(`the server no longer knows request ${pending.requestId}`);
          return { waitMs: 0, settled: false };
        }
        if (!pending.requestId && err.status !== 401) {
          // The server refused the CSR itself: this key and CSR will never be accepted.
          await this.dropPending(`the server refused it (${err.message})`, false);
          throw new RequestRefusedError(
            `the server refused the ${this.o.kind} certificate request: ${err.message}`,
          );
        }
      }
      throw err;
    }
    return this.follow(this.o.state.current.pending[this.o.kind]!, view);
  }

  private async follow(pending: PendingRequest, view: CertificateRequestView): Promise<StepResult> {
    if (pending.status !== view.status || pending.deferredUntil !== view.deferredUntil) {
      await this.o.state.update((s) => {
        s.pending[this.o.kind] = { ...pending, status: view.status, deferredUntil: view.deferredUntil };
      });
    }
    const key = `certificate:${this.o.kind}`;
    const since = Math.round((this.now().getTime() - new Date(pending.createdAt).getTime()) / 1000);
    switch (view.status) {
      case 'pending':
      case 'processing': {
        this.o.logger.progress(
          key,
          view.status,
          `${this.o.kind} certificate request ${view.status} (${since}s)`,
          {
            kind: this.o.kind,
            requestId: view.id,
            status: view.status,
          },
        );
        const wait = Math.min(this.o.intervals.pollMaxMs, this.o.intervals.pollMinMs * 1.5 ** this.polls++);
        return { waitMs: wait, settled: false };
      }
      case 'deferred': {
        const until = view.deferredUntil ? new Date(view.deferredUntil).getTime() : NaN;
        const wait = Number.isNaN(until)
          ? this.o.intervals.pollMaxMs
          : Math.min(DEFERRED_RECHECK_MS, Math.max(this.o.intervals.pollMinMs, until - this.now().getTime()));
        this.o.logger.progress(
          key,
          'deferred',
          `${this.o.kind} certificate request deferred by the server until ${view.deferredUntil ?? 'later'}`,
          {
            kind: this.o.kind,
            requestId: view.id,
            status: 'deferred',
            deferredUntil: view.deferredUntil,
            reason: view.error?.detail,
          },
        );
        return { waitMs: wait, settled: false };
      }
      case 'valid':
        this.o.logger.progressDone(key);
        await this.install(pending, view);
        return { waitMs: 0, settled: false };
      case 'failed': {
        this.o.logger.progressDone(key);
        const why = view.error ? `${view.error.detail} (${view.error.type})` : 'no reason given';
        await this.dropPending(`it failed: ${why}`, false);
        throw new RequestRefusedError(`the ${this.o.kind} certificate request ${view.id} failed: ${why}`);
      }
    }
  }

  private async install(pending: PendingRequest, view: CertificateRequestView): Promise<void> {
    const keyPem = await readFile(this.pendingPath('key'), 'utf8').catch(() => null);
    if (keyPem === null) {
      await this.dropPending('its key file is gone');
      return;
    }
    let issued;
    try {
      issued = checkIssuedCertificate(view.certificate ?? '', keyPem, pending.identifiers);
    } catch (err) {
      if (!(err instanceof CertificateCheckError)) throw err;
      await this.dropPending(`the issued certificate is unusable: ${err.message}`, false);
      throw new RequestRefusedError(
        `the ${this.o.kind} certificate of request ${view.id} was not installed: ${err.message}`,
      );
    }
    const release = await this.o.files.install(keyPem, issued, this.now());
    const record = this.record(view.id, issued, view.renewal, release);
    await this.o.state.update((s) => {
      s.certificates[this.o.kind] = record;
      delete s.pending[this.o.kind];
    });
    await this.removePendingFiles();
    this.o.logger.info(`${this.o.kind} certificate installed`, {
      kind: this.o.kind,
      requestId: view.id,
      serial: issued.serial,
      notAfter: issued.notAfter,
      renewAt: record.renewAt,
      dir: this.o.files.dir,
    });
    await this.reload(record);
  }

  private record(
    requestId: string | undefined,
    issued: { serial: string; identifiers: Identifier[]; notBefore: Date; notAfter: Date },
    renewal: { windowStart: string; windowEnd: string } | undefined,
    release: string,
    installedAt: Date = this.now(),
  ): InstalledCertificate {
    const now = this.now();
    const window = windowFrom(renewal, issued.notBefore, issued.notAfter);
    return {
      ...(requestId && { requestId }),
      serial: issued.serial,
      identifiers: issued.identifiers,
      notBefore: issued.notBefore.toISOString(),
      notAfter: issued.notAfter.toISOString(),
      window: { start: window.start.toISOString(), end: window.end.toISOString() },
      windowSource: renewal ? 'server' : 'fallback',
      renewAt: chooseRenewalTime(window, issued.notAfter, now, this.random).toISOString(),
      installedAt: installedAt.toISOString(),
      release,
      checkedAt: now.toISOString(),
    };
  }

  private async reload(record: InstalledCertificate): Promise<void> {
    if (!this.o.reload) return;
    const result = await runReloadCommand(
      this.o.reload.command,
      {
        FLEETCERT_CERT_KIND: this.o.kind,
        FLEETCERT_CERT_DIR: this.o.files.dir,
        FLEETCERT_CERT_SERIAL: record.serial,
        FLEETCERT_CERT_NOT_AFTER: record.notAfter,
      },
      this.o.reload.timeoutMs,
    ).catch((err: Error) => ({ exitCode: null, signal: null, timedOut: false, output: err.message }));
    const ok = result.exitCode === 0;
    const fields = {
      kind: this.o.kind,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      output: result.output,
    };
    if (ok) {
      this.o.logger.info('reload command succeeded', fields);
      await this.o.state.update((s) => void delete s.errors.reload);
      return;
    }
    const message = result.timedOut
      ? `reload command timed out after ${this.o.reload.timeoutMs} ms`
      : `reload command failed (exit ${result.exitCode ?? result.signal}): ${result.output.slice(-500)}`;
    this.o.logger.error(message, fields);
    await this.o.state.update((s) => {
      s.errors.reload = { at: this.now().toISOString(), message: `${this.o.kind}: ${message}`, failures: 1 };
    });
  }

  private async dropPending(why: string, warn = true): Promise<void> {
    const pending = this.o.state.current.pending[this.o.kind];
    if (warn)
      this.o.logger.warn(`abandoning the ${this.o.kind} certificate request: ${why}`, {
        kind: this.o.kind,
        requestId: pending?.requestId,
      });
    await this.o.state.update((s) => void delete s.pending[this.o.kind]);
    await this.removePendingFiles();
    this.polls = 0;
  }

  private async removePendingFiles(): Promise<void> {
    await rm(this.pendingPath('key'), { force: true });
    await rm(this.pendingPath('csr'), { force: true });
  }

  private pendingPath(ext: 'key' | 'csr'): string {
    return join(this.o.pendingDir, `${this.o.kind}.${ext}`);
  }
}
