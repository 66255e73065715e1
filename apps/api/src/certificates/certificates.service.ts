import {
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { CertificateRequestRepository, Device, RequestWithCertificate } from '@fleetcert/db';
import { checkCsr, CsrError, identifierSetKey, parseCsr } from '@fleetcert/pki';
import { Metrics } from '@fleetcert/observability';
import { IssuanceQueue } from '../queue/issuance-queue';
import { toCertificateRequestView } from './certificate-request.view';
import type { CertificateRequestView, SubmitCsrDto } from './certificates.dto';

@Injectable()
export class CertificatesService {
  constructor(
    private readonly requests: CertificateRequestRepository,
    private readonly queue: IssuanceQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Checks the CSR against what the server knows of the device, stores the request
   * (Postgres is the record), then enqueues it under its own id. The same CSR while its
   * request is open, or the same Idempotency-Key, returns the existing request.
   */
  async submit(device: Device, dto: SubmitCsrDto, idempotencyKey?: string): Promise<CertificateRequestView> {
    const csr = await this.parse(dto.csr);
    const identifiers = this.check(csr, device);

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
      const request = await this.requests.create(
        {
          deviceId: device.id,
          identifiers: identifiers.map((i) => ({ type: i.type, value: i.value })),
          identifierSet: identifierSetKey(identifiers),
          csrPem: dto.csr.trim(),
          csrSha256: csr.csrSha256,
          publicKeySha256: csr.publicKeySha256,
          idempotencyKey,
          profile: dto.profile,
          challengeType: 'dns_01',
        },
        tx,
      );
      return { request, created: true };
    });

    if (created) {
      this.metrics.certificateRequests.inc({ outcome: 'submitted' });
      await this.queue.enqueue(request.id);
    }
    return toCertificateRequestView(request, { withChain: true });
  }

  async get(device: Device, id: string): Promise<CertificateRequestView> {
    const request = await this.requests.getForDevice(device.id, id);
    if (!request) throw new NotFoundException(`No certificate request ${id}`);
    return toCertificateRequestView(request, { withChain: true });
  }

  async listForDevice(device: Device): Promise<CertificateRequestView[]> {
    const rows: RequestWithCertificate[] = await this.requests.listForDevice(device.id, 20);
    return rows.map((r) => toCertificateRequestView(r, { withChain: false }));
  }

  private async parse(pem: string) {
    try {
      return await parseCsr(pem);
    } catch (err) {
      throw toHttp(err);
    }
  }

  private check(csr: Awaited<ReturnType<typeof parseCsr>>, device: Device) {
    try {
      return checkCsr(csr, {
        allowedDnsNames: [device.hostname],
        allowedIps: [],
        maxIdentifiers: this.config.certificates.maxIdentifiers,
      });
    } catch (err) {
      throw toHttp(err);
    }
  }
}

function toHttp(err: unknown): unknown {
  if (err instanceof CsrError) {
    return new HttpException({ message: err.message }, err.httpStatus);
  }
  return err;
}
