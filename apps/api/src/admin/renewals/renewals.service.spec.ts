import { ConflictException } from '@nestjs/common';
import type { AuditRepository, Certificate, DeviceRepository, RenewalRepository } from '@fleetcert/db';
import type { Metrics } from '@fleetcert/observability';
import type { OperatorPrincipal } from '../../auth/principal';
import type { IssuanceQueue } from '../../queue/issuance-queue';
import { RenewalsService } from './renewals.service';

/**
 * The race between a forced renewal and a renewal completing at the same moment, which the
 * end-to-end test meets only by chance: the repositories here are in-memory stand-ins that
 * supersede or revoke a certificate between the service's read and its create.
 */
const DEVICE = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
const operator = {
  kind: 'operator',
  operator: { id: 'op-1' },
  apiKeyId: 'k-1',
} as unknown as OperatorPrincipal;

function cert(id: string, identifierSet = 'dns:d1.example.net'): Certificate {
  return { id, deviceId: DEVICE, identifierSet, ariCertId: `${id}.aki` } as unknown as Certificate;
}

/** Live certificates per look, and what createRenewal answers per certificate id. */
function serviceWith(looks: Certificate[][], answers: Record<string, 'created' | 'open' | 'raced'>) {
  const enqueued: string[] = [];
  const audited: unknown[] = [];
  let look = 0;
  const renewals = {
    liveForDevice: async () => looks[Math.min(look++, looks.length - 1)],
    createRenewal: async (c: { id: string }) => {
      const answer = answers[c.id];
      if (answer === 'raced') return null;
      return { request: { id: `renewal-of-${c.id}`, status: 'pending' }, created: answer === 'created' };
    },
  } as unknown as RenewalRepository;
  const devices = { getById: async () => ({ id: DEVICE, status: 'active' }) } as unknown as DeviceRepository;
  const audit = { create: async (e: unknown) => void audited.push(e) } as unknown as AuditRepository;
  const queue = { enqueue: async (id: string) => void enqueued.push(id) } as unknown as IssuanceQueue;
  const metrics = { renewalsStarted: { inc: () => undefined } } as unknown as Metrics;
  const service = new RenewalsService(devices, renewals, audit, queue, metrics);
  return { service, enqueued, audited, looks: () => look };
}

describe(RenewalsService.name, () => {
  it('should renew the certificate that superseded the one it read, not answer "no live certificate"', async () => {
    const old = cert('old');
    const fresh = cert('fresh');
    const { service, enqueued, audited } = serviceWith([[old], [fresh]], { old: 'raced', fresh: 'created' });

    const view = await service.renewDevice(operator, DEVICE);

    expect(view.requests).toEqual([
      { id: 'renewal-of-fresh', status: 'pending', replacesCertificateId: 'fresh', created: true },
    ]);
    expect(enqueued).toEqual(['renewal-of-fresh']);
    expect(audited).toHaveLength(1);
  });

  it('should look again only for the sets that raced, keeping the others it answered', async () => {
    const a = cert('a', 'dns:a.example.net');
    const b = cert('b', 'dns:b.example.net');
    const b2 = cert('b2', 'dns:b.example.net');
    const { service, enqueued } = serviceWith(
      [
        [a, b],
        [a, b2],
      ],
      { a: 'open', b: 'raced', b2: 'created' },
    );

    const view = await service.renewDevice(operator, DEVICE);

    expect(view.requests.map((r) => [r.replacesCertificateId, r.created])).toEqual([
      ['a', false],
      ['b2', true],
    ]);
    expect(enqueued).toEqual(['renewal-of-b2']);
  });

  it('should answer 409 when what it read was revoked meanwhile and nothing is live', async () => {
    const { service, audited, looks } = serviceWith([[cert('gone')], []], { gone: 'raced' });

    await expect(service.renewDevice(operator, DEVICE)).rejects.toBeInstanceOf(ConflictException);
    expect(looks()).toBe(2);
    expect(audited).toHaveLength(0);
  });

  it('should give up on a set superseded on every look instead of looping', async () => {
    const { service, looks } = serviceWith([[cert('x')]], { x: 'raced' });

    await expect(service.renewDevice(operator, DEVICE)).rejects.toBeInstanceOf(ConflictException);
    expect(looks()).toBe(3);
  });
});
