import {
  HttpException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { AcmeCa, chooseProfile, ProfileUnavailableError } from '@fleetcert/acme';
import { ACME_CA } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import {
  ariCertIdOf,
  CertificateRequestRepository,
  Db,
  Device,
  Fleet,
  RenewalRepository,
  RequestWithCertificate,
} from '@fleetcert/db';
import {
  CertificateIdentifier,
  checkCsr,
  CsrError,
  identifierSetKey,
  ParsedCsr,
  parseCsr,
} from '@fleetcert/pki';
import { Metrics } from '@fleetcert/observability';
import { IssuanceQueue } from '../queue/issuance-queue';
import { AccountKeyFingerprintService } from './account-key-fingerprint.service';
import { RequestLinks, toCertificateRequestView } from './certificate-request.view';
import type { CertificateRequestView, SubmitCsrDto } from './certificates.dto';
import { nonPublicRange } from './ip-policy';
import {
  kindOf,
  kindOfSet,
  privacyDelayUntil,
  refuseKeyReuse,
  refuseMixedIdentifiers,
} from './privacy-guard';

export type DeviceWithFleet = Device & { fleet: Fleet };

/** A burst of submissions queues for pool connections instead of failing after Prisma's 2 s default. */
const SUBMIT_TRANSACTION = { maxWait: 10_000, timeout: 15_000 };

@Injectable()
export class CertificatesService {
  private readonly logger = new Logger(CertificatesService.name);

  constructor(
    private readonly requests: CertificateRequestRepository,
    private readonly queue: IssuanceQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ACME_CA) private readonly ca: AcmeCa,
    private readonly metrics: Metrics,
    private readonly accountKey: AccountKeyFingerprintService,
    private readonly renewals: RenewalRepository,
  ) {}

  /**
   * Checks the CSR against what the server knows of the device and the fleet's policy,
   * stores the request (Postgres is the record), then enqueues it under its own id. The
   * same CSR while its request is open, or the same Idempotency-Key, returns that request.
   */
  async submit(
    device: DeviceWithFleet,
    dto: SubmitCsrDto,
    idempotencyKey?: string,
  ): Promise<CertificateRequestView> {
    const csr = await this.parse(dto.csr);
    const identifiers = this.check(csr, device, await this.accountKey.current());
    const hasIp = identifiers.some((i) => i.type === 'ip');
    this.checkIps(identifiers);
    this.checkChallenge(dto, hasIp);
    const profile = await this.resolveProfile(dto.profile, device.fleet, hasIp);

    const { request, created } = await this.requests.db.$transaction(async (tx) => {
      await this.requests.lockDevice(device.id, tx);
      if (idempotencyKey) {
        const earlier = await this.requests.findByIdempotencyKey(device.id, idempotencyKey, tx);
        if (earlier) {
          if (earlier.csrSha256 !== csr.csrSha256) {
            throw new UnprocessableEntityException('Idempotency-Key was already used with a different CSR');
          }
          return { request: earlier, created: false };
        }
      }
      const open = await this.requests.findOpenByCsr(device.id, csr.csrSha256, tx);
      if (open) return { request: open, created: false };
      const deferredUntil = await this.privacyGuard(device, identifiers, csr, tx);
      // A new CSR for the identifiers of a live certificate is its replacement (key rotation).
      const replaced = await this.renewals.liveForSet(device.id, identifierSetKey(identifiers), tx);
      const request = await this.requests.create(
        {
          deviceId: device.id,
          identifiers: identifiers.map((i) => ({ type: i.type, value: i.value })),
          identifierSet: identifierSetKey(identifiers),
          csrPem: dto.csr.trim(),
          csrSha256: csr.csrSha256,
          publicKeySha256: csr.publicKeySha256,
          idempotencyKey,
          profile,
          challengeType: hasIp ? 'http_01' : 'dns_01',
          http01Mode: hasIp ? (dto.http01Mode ?? 'proxy') : undefined,
          ...(deferredUntil ? { status: 'deferred' as const, deferredUntil } : {}),
          ...(replaced && {
            replacesCertificateId: replaced.id,
            ariReplaces: ariCertIdOf(replaced.ariCertId),
          }),
        },
        tx,
      );
      return { request, created: true };
    }, SUBMIT_TRANSACTION);

    if (created) {
      this.metrics.certificateRequests.inc({ outcome: 'submitted' });
      await this.queue.enqueue(request.id, request.deferredUntil ?? undefined);
    }
    return toCertificateRequestView(request, { withChain: true });
  }

  async get(device: Device, id: string): Promise<CertificateRequestView> {
    const request = await this.requests.getForDevice(device.id, id);
    if (!request) throw new NotFoundException(`No certificate request ${id}`);
    return toCertificateRequestView(request, { withChain: true, links: await this.links(device, [request]) });
  }

  async listForDevice(device: Device): Promise<CertificateRequestView[]> {
    const rows: RequestWithCertificate[] = await this.requests.listForDevice(device.id, 20);
    const links = await this.links(device, rows);
    return rows.map((r) => toCertificateRequestView(r, { withChain: false, links }));
  }

  /** Which request replaced each certificate, and the newest live certificate per identifier set. */
  private async links(device: Device, rows: RequestWithCertificate[]): Promise<RequestLinks> {
    const successors = rows.flatMap((r) =>
      r.certificate?.supersededById ? [r.certificate.supersededById] : [],
    );
    return this.renewals.viewLinks(device.id, successors);
  }

  private async parse(pem: string): Promise<ParsedCsr> {
    try {
      return await parseCsr(pem);
    } catch (err) {
      throw toHttp(err);
    }
  }

  /** Names: only the device's hostname. Addresses: only those it currently reports. */
  private check(csr: ParsedCsr, device: Device, accountKey: string | undefined): CertificateIdentifier[] {
    try {
      return checkCsr(csr, {
        allowedDnsNames: [device.hostname],
        allowedIps: [device.ipv4, device.ipv6].filter((ip): ip is string => !!ip),
        maxIdentifiers: this.config.certificates.maxIdentifiers,
        forbiddenPublicKeySha256: accountKey ? [accountKey] : [],
      });
    } catch (err) {
      throw toHttp(err);
    }
  }

  private checkIps(identifiers: CertificateIdentifier[]): void {
    if (this.config.certificates.allowNonPublicIps) return;
    for (const id of identifiers.filter((i) => i.type === 'ip')) {
      const range = nonPublicRange(id.value);
      if (range) {
        throw new UnprocessableEntityException(
          `${id.value} is not a public address (${range}): a public CA can only validate addresses it can reach`,
        );
      }
    }
  }

  /** Let's Encrypt validates IP addresses only with http-01 (or tls-alpn-01), never DNS-01. */
  private checkChallenge(dto: SubmitCsrDto, hasIp: boolean): void {
    if (hasIp && dto.challenge === 'dns-01') {
      throw new UnprocessableEntityException('IP addresses cannot be validated with dns-01; use http-01');
    }
    if (!hasIp && dto.challenge === 'http-01') {
      throw new UnprocessableEntityException(
        "DNS names are validated with dns-01 in the fleet's zone; omit challenge",
      );
    }
    if (!hasIp && dto.http01Mode) {
      throw new UnprocessableEntityException('http01Mode applies only to certificates for IP addresses');
    }
  }

  /**
   * The profile to order with, validated against the profiles the CA advertises. When the
   * CA's directory cannot be read right now the request is still accepted and the worker,
   * which must read it anyway, applies the same rule.
   */
  private async resolveProfile(
    requested: string | undefined,
    fleet: Fleet,
    hasIp: boolean,
  ): Promise<string | undefined> {
    let advertised: Record<string, string> | undefined;
    try {
      advertised = (await this.ca.directory()).meta.profiles;
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message },
        'CA directory unreachable; the worker will check the profile',
      );
      return requested;
    }
    try {
      return chooseProfile({ advertised, requested, fleetDefault: fleet.defaultProfile ?? undefined, hasIp });
    } catch (err) {
      if (err instanceof ProfileUnavailableError) throw new UnprocessableEntityException(err.message);
      throw err;
    }
  }

  /**
   * Home fleets keep a device's DNS name and home IP apart in Certificate Transparency: no
   * certificate with both, no key shared between the two kinds, and the second kind only
   * after a random delay. Returns when the request may run, if it must wait.
   */
  private async privacyGuard(
    device: DeviceWithFleet,
    identifiers: CertificateIdentifier[],
    csr: ParsedCsr,
    tx: Db,
  ): Promise<Date | null> {
    if (device.fleet.privacy !== 'home') return null;
    const kind = kindOf(identifiers);
    if (kind === 'mixed') {
      if (device.fleet.allowMixedIdentifiers) return null;
      refuseMixedIdentifiers(identifiers);
    }
    let latestOther: Date | null = null;
    // Inside the submission's transaction: a query on another pooled connection while this
    // one is held deadlocks the pool once as many submissions run as it has connections.
    for (const live of await this.requests.listLiveForDevice(device.id, tx)) {
      const liveKind = kindOfSet(live.identifierSet);
      if (liveKind === kind || liveKind === 'mixed') continue;
      if (
        live.publicKeySha256 === csr.publicKeySha256 ||
        live.certificate?.publicKeySha256 === csr.publicKeySha256
      ) {
        refuseKeyReuse(kind);
      }
      // An unissued request of the other kind will be issued about now.
      const at = live.certificate?.createdAt ?? new Date();
      if (!latestOther || at > latestOther) latestOther = at;
    }
    return latestOther ? privacyDelayUntil(latestOther, this.config.certificates.privacyDelayMs) : null;
  }
}

function toHttp(err: unknown): unknown {
  if (err instanceof CsrError) {
    return new HttpException({ message: err.message }, err.httpStatus);
  }
  return err;
}
