// Test-only: the device API of a control server, in memory, signing with a test CA.
import { randomUUID } from 'node:crypto';
import { ApiError } from '../api/api-errors';
import type { DeviceApiClient, SubmitOptions } from '../api/device-api.client';
import type { CertificateRequestView, DeviceView, Identifier } from '../api/device-api.types';
import { createTestCa, TestCa } from './test-ca';

export interface FakeRequest {
  view: CertificateRequestView;
  csr: string;
  options: SubmitOptions;
  idempotencyKey: string;
}

export class FakeDeviceApi {
  device: DeviceView = {
    identifier: 'dev-1',
    hostname: 'dev1.devices.example.com',
    addresses: { ipv4: null, ipv6: null },
    certificates: [],
  };
  readonly requests = new Map<string, FakeRequest>();
  /** Set to make the next calls throw (an outage, a refusal). */
  fail: { submit?: Error; get?: Error; device?: Error } = {};
  submits = 0;

  private constructor(private readonly ca: TestCa) {}

  static async create(): Promise<FakeDeviceApi> {
    return new FakeDeviceApi(await createTestCa());
  }

  get client(): DeviceApiClient {
    return this as unknown as DeviceApiClient;
  }

  async getDevice(): Promise<DeviceView> {
    if (this.fail.device) throw this.fail.device;
    return structuredClone(this.device);
  }

  async submitCsr(
    csr: string,
    options: SubmitOptions,
    idempotencyKey: string,
  ): Promise<CertificateRequestView> {
    this.submits++;
    if (this.fail.submit) throw this.fail.submit;
    const earlier = [...this.requests.values()].find((r) => r.idempotencyKey === idempotencyKey);
    if (earlier) return structuredClone(earlier.view);
    const id = randomUUID();
    const identifiers = csrIdentifiers(this.device);
    const view: CertificateRequestView = { id, status: 'pending', identifiers };
    this.requests.set(id, { view, csr, options, idempotencyKey });
    return structuredClone(view);
  }

  async getRequest(id: string): Promise<CertificateRequestView> {
    if (this.fail.get) throw this.fail.get;
    const r = this.requests.get(id);
    if (!r) throw new ApiError(404, `404 Not Found: No certificate request ${id}`);
    return structuredClone(r.view);
  }

  /** Issues the request's certificate with the given lifetime and renewal window. */
  async issue(
    id: string,
    opts: { notBefore: Date; notAfter: Date; window?: { start: Date; end: Date }; csr?: string },
  ): Promise<void> {
    const r = this.requests.get(id)!;
    const chain = await this.ca.sign(opts.csr ?? r.csr, {
      notBefore: opts.notBefore,
      notAfter: opts.notAfter,
    });
    r.view = {
      ...r.view,
      status: 'valid',
      certificate: chain,
      notBefore: new Date(Math.floor(opts.notBefore.getTime() / 1000) * 1000).toISOString(),
      notAfter: new Date(Math.floor(opts.notAfter.getTime() / 1000) * 1000).toISOString(),
      ...(opts.window && {
        renewal: { windowStart: opts.window.start.toISOString(), windowEnd: opts.window.end.toISOString() },
      }),
    };
    this.device.certificates.unshift({ ...r.view, certificate: undefined });
  }

  set(id: string, change: Partial<CertificateRequestView>): void {
    const r = this.requests.get(id)!;
    r.view = { ...r.view, ...change };
  }

  last(): FakeRequest {
    return [...this.requests.values()].at(-1)!;
  }
}

function csrIdentifiers(device: DeviceView): Identifier[] {
  return [{ type: 'dns', value: device.hostname }];
}
