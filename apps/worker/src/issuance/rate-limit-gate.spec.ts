import type { AcmeCa } from '@fleetcert/acme';
import type { AppConfig } from '@fleetcert/config';
import type { CertificateRepository, RateLimitRepository } from '@fleetcert/db';
import type { Metrics } from '@fleetcert/observability';
import type { BucketTransaction, RateLimitSpec } from '@fleetcert/ratelimit';
import { GatedRequest, RateLimitGate } from './rate-limit-gate';

const DIRECTORY = 'https://acme.example/directory';
const DAY = 86_400_000;

/** A gate on fakes: the transactions it asks the bucket store to apply are recorded. */
function gate(preset: RateLimitSpec['preset']): { gate: RateLimitGate; applied: BucketTransaction[][] } {
  const applied: BucketTransaction[][] = [];
  const buckets = {
    apply: (_scope: string, txns: BucketTransaction[]) => {
      applied.push(txns);
      return Promise.resolve({ allowed: true, writes: [], availableAt: 0, blocking: [] });
    },
  } as unknown as RateLimitRepository;
  const ca = { directory: () => Promise.resolve({ meta: {} }) } as unknown as AcmeCa;
  const config = {
    acme: { directoryUrl: DIRECTORY },
    rateLimits: { preset, overrides: {} },
  } as unknown as AppConfig;
  return {
    gate: new RateLimitGate(buckets, {} as CertificateRepository, ca, config, {} as Metrics),
    applied,
  };
}

function request(issuedWithinLookback: boolean): GatedRequest {
  return {
    id: 'r1',
    identifiers: [{ type: 'dns', value: 'x7k2.devices.example.com' }],
    identifierSet: 'dns:x7k2.devices.example.com',
    replacesCertificateId: null,
    ariReplaces: null,
    issuedWithinLookback,
  };
}

describe(RateLimitGate.name, () => {
  describe('renewalLookbackStart', () => {
    it("should start the CA's renewal look-back before now, and be null when nothing is exempt", () => {
      const now = new Date('2026-11-22T08:00:00.000Z');

      expect(gate('letsencrypt').gate.renewalLookbackStart(now)).toEqual(new Date(now.getTime() - 120 * DAY));
      expect(gate('none').gate.renewalLookbackStart(now)).toBeNull();
    });
  });

  describe('beforeNewOrder', () => {
    it('should exempt a renewal (its identifier set issued within the look-back) from the limits the CA names', async () => {
      const { gate: renewal, applied } = gate('letsencrypt');

      await renewal.beforeNewOrder(request(false));
      await renewal.beforeNewOrder(request(true));

      const [fresh, renewed] = applied.map((txns) => txns.map((t) => t.limit.name));
      expect(fresh).toEqual(
        expect.arrayContaining(['newOrdersPerAccount', 'certificatesPerRegisteredDomain']),
      );
      expect(renewed).not.toContain('newOrdersPerAccount');
      expect(renewed).not.toContain('certificatesPerRegisteredDomain');
      expect(renewed).toContain('certificatesPerExactSet');
    });
  });

  describe('successRefill', () => {
    it("should name each identifier's consecutive-failure bucket in the gate's scope", () => {
      expect(gate('letsencrypt').gate.successRefill(request(false))).toEqual({
        scope: DIRECTORY,
        buckets: [
          { limit: 'consecutiveAuthorizationFailuresPerIdentifier', key: 'x7k2.devices.example.com' },
        ],
      });
      expect(gate('none').gate.successRefill(request(false)).buckets).toEqual([]);
    });
  });
});
