import { getServers } from 'node:dns';
import { setTimeout as sleep } from 'node:timers/promises';
import { DnsUnavailableError } from '../errors/dns-unavailable.error';
import { LaggingNameserver, PropagationTimeoutError } from '../errors/propagation-timeout.error';
import { parseEndpoint } from '../transport/dns-endpoint';
import { queryDns } from '../transport/dns-query';
import { assertInZone, normalizeDnsName } from '../wire/dns-name';
import { configuredNameservers, discoverNameservers, Nameserver } from './nameserver-discovery';
import { PROPAGATION_DEFAULTS, PropagationCheckerOptions } from './propagation.options';
import { canonicalAddress, describeExpectation, observe, RecordExpectation } from './record-expectation';

const NOT_ASKED = 'not asked yet';
const CUT_SHORT = 'cut short by the deadline';

/** How a successful wait went. */
export interface PropagationResult {
  /** Time from the call to the moment the last nameserver served the record, in ms. */
  waitedMs: number;
  /** Every nameserver that was checked (see {@link Nameserver.label}). */
  nameservers: string[];
}

export interface WaitOptions {
  /** Aborts the wait (e.g. on shutdown); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Waits until every authoritative nameserver of a zone serves a record, before the CA is
 * told to look (cert-manager and certmagic do the same; the CA may ask any of them).
 *
 * Nameservers are queried directly and non-recursively, each until it serves the value;
 * a server that timed out or answered without it is asked again next round. This is the
 * core's job, shared by every {@link DnsProvider}.
 */
export class PropagationChecker {
  private readonly options: Required<Omit<PropagationCheckerOptions, 'nameservers' | 'resolver'>>;
  private readonly overrides: Nameserver[] | undefined;
  private readonly resolver: string | undefined;

  constructor(options: PropagationCheckerOptions = {}) {
    this.options = {
      nameserverPort: options.nameserverPort ?? PROPAGATION_DEFAULTS.nameserverPort,
      ipFamilies: options.ipFamilies ?? PROPAGATION_DEFAULTS.ipFamilies,
      timeoutMs: options.timeoutMs ?? PROPAGATION_DEFAULTS.timeoutMs,
      intervalMs: options.intervalMs ?? PROPAGATION_DEFAULTS.intervalMs,
      queryTimeoutMs: options.queryTimeoutMs ?? PROPAGATION_DEFAULTS.queryTimeoutMs,
    };
    for (const key of ['timeoutMs', 'intervalMs', 'queryTimeoutMs'] as const) {
      if (!Number.isInteger(this.options[key]) || this.options[key] < 1) {
        throw new TypeError(`propagation: ${key} must be a positive integer`);
      }
    }
    if (this.options.ipFamilies.length === 0)
      throw new TypeError('propagation: ipFamilies must not be empty');
    if (options.nameservers) {
      if (options.nameservers.length === 0) throw new TypeError('propagation: nameservers must not be empty');
      this.overrides = configuredNameservers(options.nameservers);
    }
    if (options.resolver !== undefined) parseEndpoint(options.resolver);
    this.resolver = options.resolver;
  }

  /** Waits until every nameserver of `zone` serves `value` among the TXT records of `fqdn`. */
  waitForTxt(zone: string, fqdn: string, value: string, options?: WaitOptions): Promise<PropagationResult> {
    return this.waitFor(zone, { name: fqdn, type: 'TXT', value }, options);
  }

  /** Waits until every nameserver of `zone` serves `address` (A or AAAA, by its form) at `fqdn`. */
  waitForAddress(
    zone: string,
    fqdn: string,
    address: string,
    options?: WaitOptions,
  ): Promise<PropagationResult> {
    return this.waitFor(
      zone,
      { name: fqdn, type: address.includes(':') ? 'AAAA' : 'A', value: address },
      options,
    );
  }

  /**
   * Resolves once every nameserver serves the expectation; rejects with
   * {@link PropagationTimeoutError} naming the laggards after `timeoutMs`, or with
   * {@link DnsUnavailableError} when the nameservers cannot be discovered.
   */
  async waitFor(
    zone: string,
    expectation: RecordExpectation,
    options: WaitOptions = {},
  ): Promise<PropagationResult> {
    const startedAt = Date.now();
    const deadline = startedAt + this.options.timeoutMs;
    const canonicalZone = normalizeDnsName(zone);
    const expected: RecordExpectation = {
      ...expectation,
      name: assertInZone(expectation.name, canonicalZone),
      value:
        expectation.type === 'TXT'
          ? expectation.value
          : canonicalAddress(expectation.type, expectation.value),
    };
    const nameservers = await this.nameserversOf(canonicalZone);
    const lagging = new Map<Nameserver, string>(nameservers.map((ns) => [ns, NOT_ASKED]));

    for (;;) {
      options.signal?.throwIfAborted();
      await Promise.all(
        [...lagging.keys()].map(async (ns) => {
          const seen = await this.ask(ns, expected, deadline);
          if (seen === true) lagging.delete(ns);
          // A query cut short by the deadline says nothing new: keep the last real observation.
          else if (seen !== CUT_SHORT) lagging.set(ns, seen);
          else if (lagging.get(ns) === NOT_ASKED) lagging.set(ns, 'no answer before the deadline');
        }),
      );
      if (lagging.size === 0) {
        return { waitedMs: Date.now() - startedAt, nameservers: nameservers.map((ns) => ns.label) };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const report: LaggingNameserver[] = [...lagging].map(([ns, lastSeen]) => ({
          nameserver: ns.label,
          lastSeen,
        }));
        throw new PropagationTimeoutError(describeExpectation(expected), Date.now() - startedAt, report);
      }
      await sleep(Math.min(this.options.intervalMs, remaining), undefined, { signal: options.signal });
    }
  }

  /** `true` when `ns` serves the record, else what it said instead, or {@link CUT_SHORT}. */
  private async ask(ns: Nameserver, expected: RecordExpectation, deadline: number): Promise<true | string> {
    if (!ns.endpoint) return 'no address to ask';
    const remaining = deadline - Date.now();
    const timeoutMs = Math.max(1, Math.min(this.options.queryTimeoutMs, remaining));
    try {
      const result = await queryDns(ns.endpoint, expected.name, expected.type, {
        timeoutMs,
        recursionDesired: false,
      });
      const observation = observe(result, expected);
      return observation.served || observation.seen;
    } catch (error) {
      if (!(error instanceof DnsUnavailableError)) throw error;
      return timeoutMs < this.options.queryTimeoutMs && Date.now() >= deadline ? CUT_SHORT : error.reason;
    }
  }

  private nameserversOf(zone: string): Promise<Nameserver[]> {
    if (this.overrides) return Promise.resolve(this.overrides);
    const resolver = this.resolver ?? getServers()[0];
    if (!resolver)
      throw new TypeError('propagation: no resolver configured and none in the system configuration');
    return discoverNameservers(zone, parseEndpoint(resolver), {
      port: this.options.nameserverPort,
      families: this.options.ipFamilies,
      queryTimeoutMs: this.options.queryTimeoutMs,
    });
  }
}
