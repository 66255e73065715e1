import type { DeviceApiClient } from '../api/device-api.client';
import type { AddressUpdate } from '../api/device-api.types';
import type { AgentConfig } from '../config/agent-config';
import type { StepResult } from '../certificates/certificate-manager';
import type { Logger } from '../log/logger';
import type { StateStore } from '../state/state-store';
import { AddressSourceError, readAddress } from './address-reader';

const FAMILIES = ['ipv4', 'ipv6'] as const;

/**
 * Keeps the device's A/AAAA records current: reads each family's source every
 * `checkIntervalSeconds` and reports to the server as soon as something changed (and,
 * unchanged, every `reassertIntervalSeconds` and once after start, which repairs any
 * drift on the server side; the server sends no DNS update for unchanged addresses).
 */
export class AddressReporter {
  private reportedSinceStart = false;

  constructor(
    private readonly o: {
      config: AgentConfig['addresses'];
      api: DeviceApiClient;
      state: StateStore;
      logger: Logger;
      /** Called after a change was reported (the IP certificate may need renewing). */
      onChange?: () => void;
      read?: typeof readAddress;
      now?: () => Date;
    },
  ) {}

  /** Whether any family is reported at all (both `none` means the agent leaves DNS records alone). */
  get enabled(): boolean {
    return FAMILIES.some((f) => this.o.config[f].from !== 'none');
  }

  async step(): Promise<StepResult> {
    const now = (this.o.now ?? (() => new Date()))();
    const read = this.o.read ?? readAddress;
    const wanted: AddressUpdate = {};
    const failures: string[] = [];
    for (const family of FAMILIES) {
      const source = this.o.config[family];
      if (source.from === 'none') continue;
      try {
        wanted[family] = await read(source, family);
      } catch (err) {
        if (!(err instanceof AddressSourceError)) throw err;
        failures.push(err.message);
      }
    }

    const last = this.o.state.current.addresses;
    const changed = FAMILIES.filter((f) => f in wanted && wanted[f] !== last?.reported[f]);
    const reassert =
      !this.reportedSinceStart ||
      !last ||
      now.getTime() - new Date(last.at).getTime() >= this.o.config.reassertIntervalSeconds * 1000;
    if (Object.keys(wanted).length > 0 && (changed.length > 0 || reassert)) {
      await this.o.api.updateAddresses(wanted);
      await this.o.state.update((s) => {
        s.addresses = { reported: { ...s.addresses?.reported, ...wanted }, at: now.toISOString() };
      });
      this.reportedSinceStart = true;
      if (changed.length > 0) {
        this.o.logger.info('addresses reported', { ...wanted, changed: changed.join(',') });
        this.o.onChange?.();
      }
    }
    if (failures.length > 0) throw new AddressSourceError(failures.join('; '));
    return { waitMs: this.o.config.checkIntervalSeconds * 1000, settled: true };
  }
}
