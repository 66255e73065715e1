import {
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { chooseProfile, ProfileUnavailableError } from '@fleetcert/acme';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import {
  ariCertIdOf,
  CertificateRequestRepository,
  Device,
  Fleet,
  LiveRequest,
  NOTHING_FOUND,
  ObservedSubmissionState,
  RequestWithCertificate,
  SubmissionQuery,
  SubmissionState,
  SubmittedRequest,
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
import { DEVICE_REQUEST_CACHE, type DeviceRequestCache } from '../read-cache/read-caches';
import { CsrSignatureChecks } from './csr-signature-checks';
import { CaDirectoryView } from '../ca-directory/ca-directory-view';
import { AccountKeyFingerprintService } from './account-key-fingerprint.service';
import { certificateRequestJson, toCertificateRequestView } from './certificate-request.view';
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

/**
 * Tries at deciding and storing a submission. Each one after the first decides on a state
 * read under the device's lock a moment earlier; only a device whose requests change again
 * in that moment, every time, runs out (503, retry).
 */
const SUBMIT_ATTEMPTS = 4;

/** A submission's outcome as decided on a state: an existing request, or a new one to store. */
type SubmissionDecision = { existingId: string } | { create: SubmittedRequest };

@Injectable()
export class CertificatesService {
  constructor(
    private readonly requests: CertificateRequestRepository,
    private readonly queue: IssuanceQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly caDirectory: CaDirectoryView,
    private readonly metrics: Metrics,
    private readonly accountKey: AccountKeyFingerprintService,
    @Inject(DEVICE_REQUEST_CACHE) private readonly requestCache: DeviceRequestCache,
    private readonly signatureChecks: CsrSignatureChecks,
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
    const identifierSet = identifierSetKey(identifiers);

    const query = {
      deviceId: device.id,
      idempotencyKey,
      csrSha256: csr.csrSha256,
      identifierSet,
      withLive: device.fleet.privacy === 'home',
    };
    const { request, created } = await this.store(query, (state) => {
      if (state.idempotent) {
        if (state.idempotent.csrSha256 !== csr.csrSha256) {
          throw new UnprocessableEntityException('Idempotency-Key was already used with a different CSR');
        }
        return { existingId: state.idempotent.id };
      }
      if (state.openId) return { existingId: state.openId };
      const deferredUntil = this.privacyGuard(device, identifiers, csr, state.live);
      // A new CSR for the identifiers of a live certificate is its replacement (key rotation).
      const replaced = state.replaces;
      return {
        create: {
          identifiers: identifiers.map((i) => ({ type: i.type, value: i.value })),
          csrPem: dto.csr.trim(),
          publicKeySha256: csr.publicKeySha256,
          profile,
          challengeType: hasIp ? 'http_01' : 'dns_01',
          http01Mode: hasIp ? (dto.http01Mode ?? 'proxy') : undefined,
          ...(deferredUntil ? { status: 'deferred' as const, deferredUntil } : {}),
          ...(replaced && {
            replacesCertificateId: replaced.id,
            ariReplaces: ariCertIdOf(replaced.ariCertId),
          }),
        },
      };
    });

    if (created) {
      this.metrics.certificateRequests.inc({ outcome: 'submitted' });
      await this.queue.enqueue(request.id, request.deferredUntil ?? undefined);
    }
    return toCertificateRequestView(request, { withChain: true });
  }

  /**
   * The request, its certificate and its links (see `RequestForDevice`), as the JSON body
   * devices get (see `certificateRequestJson`): from the read cache, which the change feed
   * empties of a device's entries when any of its rows change, or read in one statement.
   * The cache holds the body ready to send: a hit builds and serializes nothing.
   */
  async getJson(device: Device, id: string): Promise<string> {
    const key = `${device.id}/${id}`;
    const cached = this.requestCache.get(key);
    if (cached) return cached.json;
    const ticket = this.requestCache.ticket();
    const read = await this.requests.getForDevice(device.id, id);
    if (!read) throw new NotFoundException(`No certificate request ${id}`);
    const json = certificateRequestJson(read);
    this.requestCache.set(key, device.id, { json }, ticket);
    return json;
  }

  async listForDevice(device: Device): Promise<CertificateRequestView[]> {
    const rows = await this.requests.listForDevice(device.id, 20);
    return rows.map((r) => toCertificateRequestView(r, { withChain: false }));
  }

  /**
   * Decides on the device's submission state and stores the outcome with one statement that
   * stores it only if, under the device's lock, the state is still the one decided on. Most
   * submissions are a device's first for their CSR, so the first try decides on
   * {@link NOTHING_FOUND} without reading anything: one round trip. When the database finds
   * otherwise it answers with the state as it is, and the decision is made again on that.
   */
  private async store(
    query: SubmissionQuery,
    decide: (state: SubmissionState) => SubmissionDecision,
  ): Promise<{ request: RequestWithCertificate; created: boolean }> {
    let observed: ObservedSubmissionState | undefined;
    for (let attempt = 1; attempt <= SUBMIT_ATTEMPTS; attempt++) {
      let decision: SubmissionDecision;
      try {
        decision = decide(observed?.state ?? NOTHING_FOUND);
      } catch (err) {
        // A refusal must rest on what is stored, not on the guess (e.g. an Idempotency-Key replay).
        if (observed) throw err;
        observed = await this.requests.submissionState(query);
        continue;
      }
      if ('existingId' in decision) {
        const request = await this.requests.getWithCertificate(decision.existingId);
        if (request) return { request, created: false };
        // Deleted since it was read (its device was removed): decide again on what is there now.
        observed = await this.requests.submissionState(query);
        continue;
      }
      const outcome = await this.requests.createIfUnchanged(
        query,
        observed?.version ?? null,
        decision.create,
      );
      if ('created' in outcome) return { request: outcome.created, created: true };
      observed = outcome.changed;
    }
    throw new ServiceUnavailableException(
      "The device's requests kept changing while this one was being stored; nothing was stored. Try again.",
    );
  }

  private async parse(pem: string): Promise<ParsedCsr> {
    try {
      return await parseCsr(pem, { checkSignature: this.signatureChecks.check });
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
   * CA's directory is not known right now (CaDirectoryView never waits on the CA) the
   * request is still accepted and the worker, which must read it anyway, applies the same rule.
   */
  private async resolveProfile(
    requested: string | undefined,
    fleet: Fleet,
    hasIp: boolean,
  ): Promise<string | undefined> {
    const directory = await this.caDirectory.current();
    if (!directory) return requested;
    try {
      return chooseProfile({
        advertised: directory.meta.profiles,
        requested,
        fleetDefault: fleet.defaultProfile ?? undefined,
        hasIp,
      });
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
  private privacyGuard(
    device: DeviceWithFleet,
    identifiers: CertificateIdentifier[],
    csr: ParsedCsr,
    live: readonly LiveRequest[],
  ): Date | null {
    if (device.fleet.privacy !== 'home') return null;
    const kind = kindOf(identifiers);
    if (kind === 'mixed') {
      if (device.fleet.allowMixedIdentifiers) return null;
      refuseMixedIdentifiers(identifiers);
    }
    let latestOther: Date | null = null;
    // `live` was read under the device's lock, in the submission's transaction.
    for (const other of live) {
      const liveKind = kindOfSet(other.identifierSet);
      if (liveKind === kind || liveKind === 'mixed') continue;
      if (
        other.publicKeySha256 === csr.publicKeySha256 ||
        other.certificate?.publicKeySha256 === csr.publicKeySha256
      ) {
        refuseKeyReuse(kind);
      }
      // An unissued request of the other kind will be issued about now.
      const at = other.certificate?.createdAt ?? new Date();
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
