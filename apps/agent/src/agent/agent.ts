import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AddressReporter } from '../addresses/address-reporter';
import { DeviceApiClient } from '../api/device-api.client';
import { HttpClient } from '../api/http-client';
import { CertificateManager, StepResult } from '../certificates/certificate-manager';
import { CertificateStore } from '../certificates/certificate-store';
import { wantedIdentifiers } from '../certificates/wanted-identifiers';
import { AgentConfig, CERTIFICATE_KINDS } from '../config/agent-config';
import { ConfigError } from '../config/config-error';
import { parseListenAddress } from '../config/listen-address';
import { RunLock } from '../fs/run-lock';
import type { Logger } from '../log/logger';
import {
  ChallengeAnswers,
  ProxyAnswers,
  PulledAnswers,
  RedirectAnswers,
} from '../responder/challenge-answers';
import { ChallengeResponder } from '../responder/challenge-responder';
import { Sleeper } from '../retry/sleeper';
import type { Component } from '../state/agent-state';
import { StateStore } from '../state/state-store';
import { USER_AGENT } from '../version';
import { isRetryableSoon, runWorkLoop } from './work-loop';

/** How often pull mode asks for challenges while no IP certificate request is in flight. */
const IDLE_PULL_MS = 10 * 60_000;
const CONTACT_RECORD_SPACING_MS = 30_000;
/** `run --once` waits for a deferred request only this long; longer, it leaves it to the next run. */
const ONCE_LONGEST_DEFERRED_WAIT_MS = 60_000;

export interface AgentOptions {
  logger: Logger;
  now?: () => Date;
  random?: () => number;
}

/** Outcome of `run --once`. */
export interface OnceResult {
  /** Components that failed, with their errors. */
  failures: { component: Component; error: unknown }[];
}

/**
 * The long-running agent: address reporting, one {@link CertificateManager} per enabled
 * kind, and for IP certificates the optional port-80 responder (with the challenge
 * puller in pull mode), each an independent loop with its own backoff, so an outage of
 * one part never stalls another. Owns the state directory through a {@link RunLock}.
 */
export class Agent {
  private readonly sleepers: Sleeper[] = [];
  private responder: ChallengeResponder | null = null;

  private constructor(
    private readonly config: AgentConfig,
    private readonly o: AgentOptions,
    private readonly http: HttpClient,
    private readonly api: DeviceApiClient,
    private readonly state: StateStore,
    private readonly lock: RunLock,
  ) {}

  /**
   * Prepares an agent: reads the CA bundle, loads the state, takes the run lock.
   *
   * @throws ConfigError for an unreadable CA bundle; AlreadyRunningError
   */
  static async create(config: AgentConfig, o: AgentOptions): Promise<Agent> {
    let caPem: string | undefined;
    if (config.caBundle) {
      caPem = await readFile(config.caBundle, 'utf8').catch((err: Error) => {
        throw new ConfigError(config.caBundle!, [`cannot read the CA bundle: ${err.message}`]);
      });
      if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
        throw new ConfigError(config.caBundle, ['the CA bundle holds no PEM certificate']);
      }
    }
    const state = new StateStore(config.stateDir);
    const { corrupt } = await state.load();
    if (corrupt) o.logger.warn(`the state file was unreadable and is rebuilt: ${corrupt}`);
    const lock = await RunLock.acquire(config.stateDir);
    const http = new HttpClient({
      baseUrl: config.server,
      caPem,
      timeoutMs: config.requestTimeoutSeconds * 1000,
      userAgent: USER_AGENT,
    });
    let lastRecorded = 0;
    const api = new DeviceApiClient(http, config.token, () => {
      const now = Date.now();
      if (now - lastRecorded < CONTACT_RECORD_SPACING_MS) return;
      lastRecorded = now;
      void state.update((s) => void (s.lastContactAt = new Date(now).toISOString())).catch(() => undefined);
    });
    return new Agent(config, o, http, api, state, lock);
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { config, o } = this;
    try {
      const managers = this.managers();
      const ip = managers.find((m) => m.kind === 'ip');
      const answers = await this.startResponder();
      const loops: Promise<void>[] = [];

      let pullSleeper: Sleeper | null = null;
      let pullActive = false;
      if (answers instanceof PulledAnswers) {
        pullSleeper = this.sleeper(signal);
        loops.push(
          this.loop('challenges', pullSleeper, async () => {
            pullActive = ip?.busy ?? false;
            if (pullActive) await answers.pull();
            return {
              waitMs: pullActive ? config.intervals.pollMinSeconds * 1000 : IDLE_PULL_MS,
              settled: !pullActive,
            };
          }),
        );
      }

      // Addresses first: the IP certificate names what the server has on record, so a
      // change made while the agent was down is reported before any certificate is asked for.
      const certificateSleepers = new Map<string, Sleeper>();
      let firstAddressCheck: Promise<unknown> = Promise.resolve();
      const reporter = this.reporter(() => certificateSleepers.get('ip')?.wakeAll());
      if (reporter.enabled) {
        let checked!: () => void;
        firstAddressCheck = new Promise<void>((resolve) => (checked = resolve));
        signal.addEventListener('abort', () => checked(), { once: true }); // stopped before the first check
        loops.push(this.loop('addresses', this.sleeper(signal), () => reporter.step().finally(checked)));
      }

      for (const manager of managers) {
        const sleeper = this.sleeper(signal);
        certificateSleepers.set(manager.kind, sleeper);
        loops.push(
          firstAddressCheck.then(() =>
            this.loop(manager.kind, sleeper, async () => {
              const result = await manager.step();
              if (manager.busy && pullSleeper && !pullActive && manager.kind === 'ip') pullSleeper.wakeAll();
              return result;
            }),
          ),
        );
      }

      o.logger.info('fleetcert agent running', {
        server: config.server,
        certificates: managers.map((m) => m.kind).join(',') || 'none',
        responder: config.responder.mode,
      });
      await Promise.all(loops);
    } finally {
      await this.close();
    }
  }

  /**
   * One pass, for cron jobs and first installs: reports the addresses, brings every
   * enabled certificate up to date (waiting for requests in flight), then returns.
   */
  async runOnce(signal: AbortSignal): Promise<OnceResult> {
    const failures: OnceResult['failures'] = [];
    const stopPuller = new AbortController();
    const stopBoth = AbortSignal.any([signal, stopPuller.signal]);
    try {
      const answers = await this.startResponder();
      let puller: Promise<void> = Promise.resolve();
      if (answers instanceof PulledAnswers) {
        puller = this.loop('challenges', this.sleeper(stopBoth), async () => {
          await answers.pull();
          return { waitMs: this.config.intervals.pollMinSeconds * 1000, settled: false };
        });
      }
      const reporter = this.reporter();
      if (reporter.enabled) await this.attempt('addresses', () => reporter.step(), failures);
      for (const manager of this.managers()) {
        const sleeper = this.sleeper(signal);
        await this.attempt(
          manager.kind,
          async () => {
            for (;;) {
              const result = await manager.step();
              if (result.settled || sleeper.stopped) return result;
              const pending = this.state.current.pending[manager.kind];
              if (pending?.status === 'deferred' && result.waitMs > ONCE_LONGEST_DEFERRED_WAIT_MS) {
                // Hours, typically (rate limits, the privacy delay): a later run continues it.
                this.o.logger.info(
                  `the ${manager.kind} certificate request waits on the server; a later run continues it`,
                  {
                    kind: manager.kind,
                    requestId: pending.requestId,
                    deferredUntil: pending.deferredUntil,
                  },
                );
                return result;
              }
              await sleeper.sleep(result.waitMs);
            }
          },
          failures,
        );
      }
      stopPuller.abort();
      await puller;
      return { failures };
    } finally {
      stopPuller.abort();
      await this.close();
    }
  }

  /** Ends every current wait so each loop looks again now (SIGHUP). */
  wake(): void {
    for (const sleeper of this.sleepers) sleeper.wakeAll();
  }

  private managers(): CertificateManager[] {
    const { config, o } = this;
    return CERTIFICATE_KINDS.filter((kind) => config.certificates[kind].enabled).map(
      (kind) =>
        new CertificateManager({
          kind,
          settings: config.certificates[kind],
          ...(kind === 'ip' && {
            http01Mode: config.responder.mode === 'pull' ? ('pull' as const) : ('proxy' as const),
          }),
          api: this.api,
          state: this.state,
          files: new CertificateStore(config.certificates[kind].dir),
          pendingDir: join(config.stateDir, 'pending'),
          logger: o.logger,
          wanted: (device) =>
            wantedIdentifiers(kind, device, { includeNonPublic: config.certificates[kind].includeNonPublic }),
          ...(config.reloadCommand && {
            reload: { command: config.reloadCommand, timeoutMs: config.reloadTimeoutSeconds * 1000 },
          }),
          intervals: {
            renewalCheckMs: config.intervals.renewalCheckSeconds * 1000,
            pollMinMs: config.intervals.pollMinSeconds * 1000,
            pollMaxMs: config.intervals.pollMaxSeconds * 1000,
          },
          now: o.now,
          random: o.random,
        }),
    );
  }

  private reporter(onChange?: () => void): AddressReporter {
    return new AddressReporter({
      config: this.config.addresses,
      api: this.api,
      state: this.state,
      logger: this.o.logger,
      onChange,
      now: this.o.now,
    });
  }

  /** Starts the port-80 responder when configured; returns how it answers. */
  private async startResponder(): Promise<ChallengeAnswers | null> {
    const { mode, listen } = this.config.responder;
    if (mode === 'off') return null;
    const answers: ChallengeAnswers =
      mode === 'proxy'
        ? new ProxyAnswers(this.api, this.o.logger)
        : mode === 'redirect'
          ? new RedirectAnswers(this.api)
          : new PulledAnswers(this.api, this.o.logger);
    const address = parseListenAddress(listen) as { host: string; port: number };
    this.responder = new ChallengeResponder(answers, this.o.logger);
    try {
      const bound = await this.responder.listen(address.host, address.port);
      this.o.logger.info('challenge responder listening', { mode, address: bound.address, port: bound.port });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const hint = code === 'EACCES' ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : '';
      throw new Error(
        `the challenge responder cannot listen on ${listen}: ${(err as Error).message}${hint}`,
        {
          cause: err,
        },
      );
    }
    return answers;
  }

  private loop(component: Component, sleeper: Sleeper, step: () => Promise<StepResult>): Promise<void> {
    const { retry } = this.config;
    return runWorkLoop({
      component,
      step,
      sleeper,
      state: this.state,
      logger: this.o.logger,
      transient: { initialMs: retry.initialDelaySeconds * 1000, maxMs: retry.maxDelaySeconds * 1000 },
      refused: {
        initialMs: retry.refusedInitialDelaySeconds * 1000,
        maxMs: retry.refusedMaxDelaySeconds * 1000,
      },
      random: this.o.random,
      now: this.o.now,
    });
  }

  private async attempt(
    component: Component,
    work: () => Promise<unknown>,
    failures: OnceResult['failures'],
  ): Promise<void> {
    try {
      await work();
      if (this.state.current.errors[component])
        await this.state.update((s) => void delete s.errors[component]);
    } catch (error) {
      failures.push({ component, error });
      const message = error instanceof Error ? error.message : String(error);
      this.o.logger.error(`${component}: ${message}`, {
        component,
        kind: isRetryableSoon(error) ? 'unavailable' : 'refused',
      });
      const failuresSoFar = (this.state.current.errors[component]?.failures ?? 0) + 1;
      await this.state.update((s) => {
        s.errors[component] = { at: new Date().toISOString(), message, failures: failuresSoFar };
      });
    }
  }

  private sleeper(signal: AbortSignal): Sleeper {
    const sleeper = new Sleeper(signal);
    this.sleepers.push(sleeper);
    return sleeper;
  }

  private async close(): Promise<void> {
    await this.responder?.close();
    this.http.close();
    await this.state.update(() => undefined).catch(() => undefined);
    await this.lock.release();
  }
}
