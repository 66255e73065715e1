import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@fleetcert/db';

const DAY_MS = 86_400_000;

/** A certificate request row as the API would store it, written directly (fields not given are random or default). */
export function storeRequest(
  prisma: PrismaClient,
  deviceId: string,
  hostname: string,
  data: {
    createdAt?: Date;
    status?: 'pending' | 'deferred' | 'processing' | 'valid' | 'failed';
    profile?: string;
    challengeType?: 'dns_01' | 'http_01';
    http01Mode?: 'proxy' | 'pull';
    deferredUntil?: Date;
    errorType?: string;
    errorDetail?: string;
    identifiers?: { type: string; value: string }[];
  } = {},
) {
  const identifiers = data.identifiers ?? [{ type: 'dns', value: hostname }];
  return prisma.certificateRequest.create({
    data: {
      deviceId,
      identifiers,
      identifierSet: identifiers.map((i) => `${i.type}:${i.value}`).join(','),
      csrPem: 'csr',
      csrSha256: randomBytes(32).toString('hex'),
      publicKeySha256: randomBytes(32).toString('hex'),
      challengeType: 'dns_01',
      ...data,
    },
  });
}

/**
 * The certificate of a request as the worker would store it, written directly. It lives 90
 * days from `notBefore` unless `notAfter` is given, with an ARI renewal window unless
 * `renewal` is false.
 */
export function storeCertificate(
  prisma: PrismaClient,
  r: { id: string; deviceId: string; identifierSet: string },
  data: { notBefore: Date; notAfter?: Date; chainPem: string; renewal?: boolean; revokedAt?: Date },
) {
  const notAfter = data.notAfter ?? new Date(data.notBefore.getTime() + 90 * DAY_MS);
  return prisma.certificate.create({
    data: {
      requestId: r.id,
      deviceId: r.deviceId,
      serial: randomBytes(8).toString('hex'),
      ariCertId: `aki.${randomBytes(8).toString('hex')}`,
      identifierSet: r.identifierSet,
      notBefore: data.notBefore,
      notAfter,
      chainPem: data.chainPem,
      publicKeySha256: randomBytes(32).toString('hex'),
      revokedAt: data.revokedAt,
      ...(data.renewal !== false && {
        renewalStart: new Date(notAfter.getTime() - 30 * DAY_MS),
        renewalEnd: new Date(notAfter.getTime() - 28 * DAY_MS),
      }),
    },
  });
}

/**
 * A valid certificate of a device, with its request, at fixed instants (2026-01-01), so that
 * what the API answers for it is the same on every run: the request's id and the chain aside.
 */
export async function storeValidCertificate(
  prisma: PrismaClient,
  device: { id: string; hostname: string },
  chainPem: string,
) {
  const request = await storeRequest(prisma, device.id, device.hostname, {
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    status: 'valid',
    profile: 'classic',
  });
  await storeCertificate(prisma, request, { notBefore: new Date('2026-01-01T00:05:00.000Z'), chainPem });
  return request;
}
