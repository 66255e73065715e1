import { randomBytes } from 'node:crypto';
import {
  DnsError,
  DnsProvider,
  DnsUnavailableError,
  InvalidDnsRequestError,
  PropagationChecker,
  PropagationTimeoutError,
} from '@fleetcert/dns';

/** What the conformance suite needs from a provider under test and the real server behind it. */
export interface DnsProviderConformanceTarget {
  /** The zone the provider may change. */
  zone: string;
  provider: DnsProvider;
  /** Reads what the authoritative server serves, without going through the provider. */
  query(name: string, type: 'TXT' | 'A' | 'AAAA'): Promise<string[]>;
  /** The zone's authoritative nameservers as `host:port`, for the propagation checks. */
  nameservers: string[];
  /** The same provider with a wrong credential (secret, token...). */
  withWrongCredentials(): DnsProvider;
  /** The same provider pointed at an endpoint where nothing listens, giving up after `timeoutMs`. */
  unreachable(timeoutMs: number): Promise<DnsProvider>;
  /** Releases whatever `makeTarget` started. */
  close(): Promise<void>;
}

/**
 * The behaviour every {@link DnsProvider} must show against a real server. Each provider's
 * e2e spec calls this once per configuration, so a new provider gets the same checks.
 */
export function describeDnsProviderConformance(
  name: string,
  makeTarget: () => Promise<DnsProviderConformanceTarget>,
): void {
  describe(`DnsProvider conformance: ${name}`, () => {
    let target: DnsProviderConformanceTarget;
    let provider: DnsProvider;
    // A fresh device label per test, so tests never see each other's records.
    let device: string;
    let challenge: string;

    beforeAll(async () => {
      target = await makeTarget();
      provider = target.provider;
    });
    afterAll(() => target?.close());
    beforeEach(() => {
      device = `d${randomBytes(6).toString('hex')}.${target.zone}`;
      challenge = `_acme-challenge.${device}`;
    });

    const txt = (fqdn = challenge) => target.query(fqdn, 'TXT').then((values) => values.sort());

    describe('TXT records', () => {
      it('should serve a presented value', async () => {
        await provider.presentTxt(challenge, 'kV2pY5-first_value');
        expect(await txt()).toEqual(['kV2pY5-first_value']);
      });

      it('should keep two values at the same name side by side', async () => {
        await provider.presentTxt(challenge, 'value-a');
        await provider.presentTxt(challenge, 'value-b');
        expect(await txt()).toEqual(['value-a', 'value-b']);
      });

      it('should not duplicate a value presented twice', async () => {
        await provider.presentTxt(challenge, 'same');
        await provider.presentTxt(challenge, 'same');
        expect(await txt()).toEqual(['same']);
      });

      it('should remove only the cleaned-up value', async () => {
        await provider.presentTxt(challenge, 'keep');
        await provider.presentTxt(challenge, 'drop');
        await provider.cleanUpTxt(challenge, 'drop');
        expect(await txt()).toEqual(['keep']);
        await provider.cleanUpTxt(challenge, 'keep');
        expect(await txt()).toEqual([]);
      });

      it('should accept cleaning up a value that is not there', async () => {
        await expect(provider.cleanUpTxt(challenge, 'never-written')).resolves.toBeUndefined();
        await provider.presentTxt(challenge, 'present');
        await expect(provider.cleanUpTxt(challenge, 'never-written')).resolves.toBeUndefined();
        expect(await txt()).toEqual(['present']);
      });

      it('should accept names in any case and with a trailing dot', async () => {
        await provider.presentTxt(`${challenge.toUpperCase()}.`, 'mixed-case');
        expect(await txt()).toEqual(['mixed-case']);
        await provider.cleanUpTxt(`${challenge}.`, 'mixed-case');
        expect(await txt()).toEqual([]);
      });

      it('should round-trip spaces, quotes, backslashes and UTF-8 exactly', async () => {
        const value = 'a b "c" \\d; é→✓';
        await provider.presentTxt(challenge, value);
        expect(await txt()).toEqual([value]);
        await provider.cleanUpTxt(challenge, value);
        expect(await txt()).toEqual([]);
      });

      it('should round-trip a value longer than one 255-byte character-string', async () => {
        const long = `${'x'.repeat(300)}-${'y'.repeat(300)}`;
        await provider.presentTxt(challenge, long);
        expect(await txt()).toEqual([long]);
        await provider.cleanUpTxt(challenge, long);
        expect(await txt()).toEqual([]);
      });
    });

    describe('address records', () => {
      const addresses = async () => ({
        ipv4: await target.query(device, 'A'),
        ipv6: await target.query(device, 'AAAA'),
      });

      it('should set both families', async () => {
        await provider.setAddresses(device, { ipv4: '10.20.30.40', ipv6: '2001:db8::40' });
        expect(await addresses()).toEqual({ ipv4: ['10.20.30.40'], ipv6: ['2001:db8::40'] });
      });

      it('should replace, not add to, an existing address', async () => {
        await provider.setAddresses(device, { ipv4: '10.0.0.1', ipv6: '2001:db8::1' });
        await provider.setAddresses(device, { ipv4: '192.168.1.2', ipv6: '2001:db8::2' });
        expect(await addresses()).toEqual({ ipv4: ['192.168.1.2'], ipv6: ['2001:db8::2'] });
      });

      it('should leave the family that is not mentioned untouched', async () => {
        await provider.setAddresses(device, { ipv4: '10.0.0.1', ipv6: '2001:db8::1' });
        await provider.setAddresses(device, { ipv4: '10.0.0.9' });
        expect(await addresses()).toEqual({ ipv4: ['10.0.0.9'], ipv6: ['2001:db8::1'] });
      });

      it('should delete a family set to null', async () => {
        await provider.setAddresses(device, { ipv4: '10.0.0.1', ipv6: '2001:db8::1' });
        await provider.setAddresses(device, { ipv6: null });
        expect(await addresses()).toEqual({ ipv4: ['10.0.0.1'], ipv6: [] });
        await provider.setAddresses(device, { ipv4: null, ipv6: null });
        expect(await addresses()).toEqual({ ipv4: [], ipv6: [] });
      });

      it('should not touch TXT records at the same name', async () => {
        await provider.presentTxt(device, 'neighbour');
        await provider.setAddresses(device, { ipv4: '10.0.0.1' });
        await provider.setAddresses(device, { ipv4: null });
        expect(await txt(device)).toEqual(['neighbour']);
      });
    });

    describe('refusals', () => {
      it('should reject names outside the zone', async () => {
        const outside = `_acme-challenge.${device.split('.')[0]}.example.invalid`;
        await expect(provider.presentTxt(outside, 'v')).rejects.toBeInstanceOf(InvalidDnsRequestError);
        await expect(provider.presentTxt(outside, 'v')).rejects.toThrow(/outside the zone/);
        await expect(provider.setAddresses(`x${target.zone}`, { ipv4: '10.0.0.1' })).rejects.toThrow(
          /outside the zone/,
        );
      });

      it('should fail clearly with wrong credentials and change nothing', async () => {
        await provider.presentTxt(challenge, 'original');
        const impostor = target.withWrongCredentials();
        const error = await impostor.presentTxt(challenge, 'forged').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DnsError);
        expect(error).not.toBeInstanceOf(DnsUnavailableError);
        await expect(impostor.cleanUpTxt(challenge, 'original')).rejects.toBeInstanceOf(DnsError);
        await expect(impostor.setAddresses(device, { ipv4: '10.6.6.6' })).rejects.toBeInstanceOf(DnsError);
        expect(await txt()).toEqual(['original']);
        expect(await target.query(device, 'A')).toEqual([]);
      });

      it('should throw DnsUnavailableError within the timeout when the server is unreachable', async () => {
        const unreachable = await target.unreachable(1500);
        const startedAt = Date.now();
        await expect(unreachable.presentTxt(challenge, 'v')).rejects.toBeInstanceOf(DnsUnavailableError);
        expect(Date.now() - startedAt).toBeLessThan(1500 + 500);
      });
    });

    describe('propagation', () => {
      it('should resolve once every nameserver serves the value', async () => {
        const checker = new PropagationChecker({
          nameservers: target.nameservers,
          timeoutMs: 10_000,
          intervalMs: 50,
        });
        const waiting = checker.waitForTxt(target.zone, challenge, 'propagated');
        await provider.presentTxt(challenge, 'propagated');
        const result = await waiting;
        expect(result.nameservers).toHaveLength(target.nameservers.length);
        expect(result.waitedMs).toBeGreaterThanOrEqual(0);
        expect(result.waitedMs).toBeLessThan(10_000);
      });

      it('should time out naming the nameservers that never served it', async () => {
        await provider.presentTxt(challenge, 'other-value');
        const checker = new PropagationChecker({
          nameservers: target.nameservers,
          timeoutMs: 400,
          intervalMs: 100,
        });
        const startedAt = Date.now();
        const error = await checker.waitForTxt(target.zone, challenge, 'expected').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PropagationTimeoutError);
        expect((error as PropagationTimeoutError).lagging.map((l) => l.nameserver).sort()).toEqual(
          [...target.nameservers].sort(),
        );
        expect((error as Error).message).toContain(`TXT ${challenge} = "expected"`);
        expect((error as Error).message).toContain('TXT "other-value"');
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(400);
        expect(Date.now() - startedAt).toBeLessThan(3000);
      });
    });
  });
}
