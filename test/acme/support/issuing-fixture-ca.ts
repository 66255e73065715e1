import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { FixtureAnswer, FixtureCa, FixtureRequest } from './fixture-ca';

type Answer = Exclude<FixtureAnswer, 'hang'>;

interface FixtureOrder {
  status: 'ready' | 'valid';
  identifiers: { type: 'dns' | 'ip'; value: string }[];
  replaces?: string;
  certificatePem?: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/**
 * A {@link FixtureCa} that issues: every order is `ready` at once (its authorizations are
 * already valid, so no challenge is solved), finalize signs the CSR's key for the order's
 * identifiers with the fixture's own issuer, and `renewalInfo` answers per certificate —
 * what Pebble 2.4 cannot do (ARI, `replaces`, `alreadyReplaced`). Scripted answers still
 * win over these defaults, e.g. a `rateLimited` 429 on `/order`.
 */
export class IssuingFixtureCa extends FixtureCa {
  /** Validity of the certificates it issues. */
  validityMs = 3600_000;
  /** certIDs whose `replaces` is refused once with `409 alreadyReplaced`. */
  readonly alreadyReplaced = new Set<string>();
  /**
   * The renewalInfo answer for a certificate (by certID and the identifiers it names);
   * `undefined`, or no hook: the last third of its life, Retry-After 6 h.
   */
  renewalInfo?: (certId: string, identifiers: FixtureOrder['identifiers']) => Answer | undefined;
  readonly orders = new Map<number, FixtureOrder>();
  private issuer?: { keys: webcrypto.CryptoKeyPair; certificate: x509.X509Certificate; keyId: string };
  /** certID → the certificate it names, for renewalInfo. */
  private readonly issued = new Map<
    string,
    { notBefore: Date; notAfter: Date; identifiers: FixtureOrder['identifiers'] }
  >();

  override async start(): Promise<void> {
    await super.start();
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const keyId = Buffer.from(
      await webcrypto.subtle.digest('SHA-1', await webcrypto.subtle.exportKey('raw', keys.publicKey)),
    ).toString('hex');
    const certificate = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: '01',
        name: 'CN=fleetcert fixture issuer',
        notBefore: new Date(Date.now() - 3600_000),
        notAfter: new Date(Date.now() + 7 * 24 * 3600_000),
        signingAlgorithm: ALGORITHM,
        keys,
        extensions: [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.SubjectKeyIdentifierExtension(keyId),
        ],
      },
      webcrypto,
    );
    this.issuer = { keys, certificate, keyId };
  }

  /** Orders whose newOrder carried this `replaces`. */
  ordersReplacing(certId: string): FixtureOrder[] {
    return [...this.orders.values()].filter((o) => o.replaces === certId);
  }

  protected override async defaultAnswer(request: FixtureRequest): Promise<Answer> {
    const u = this.url;
    const path = request.path;
    if (path === '/order' && request.method === 'POST') return this.newOrder(request);
    let m = /^\/order\/(\d+)$/.exec(path);
    if (m && this.orders.has(Number(m[1]))) return { status: 200, body: this.orderJson(Number(m[1])) };
    m = /^\/authz\/(\d+)-(\d+)$/.exec(path);
    if (m && this.orders.has(Number(m[1]))) {
      const identifier = this.orders.get(Number(m[1]))!.identifiers[Number(m[2])];
      return {
        status: 200,
        body: {
          status: 'valid',
          identifier,
          expires: '2030-01-01T00:00:00Z',
          challenges: [
            {
              type: 'dns-01',
              url: `${u}/chall/${m[1]}-${m[2]}`,
              token: 'tok_AAAAAAAAAAAAAAAAAAAAAA',
              status: 'valid',
            },
          ],
        },
      };
    }
    m = /^\/finalize\/(\d+)$/.exec(path);
    if (m && this.orders.has(Number(m[1]))) return this.finalize(Number(m[1]), request);
    m = /^\/cert\/(\d+)$/.exec(path);
    const order = m ? this.orders.get(Number(m[1])) : undefined;
    if (order?.certificatePem) {
      return {
        status: 200,
        raw: order.certificatePem + this.issuer!.certificate.toString('pem') + '\n',
        headers: { 'content-type': 'application/pem-certificate-chain' },
      };
    }
    m = /^\/renewal-info\/(.+)$/.exec(path);
    if (m) {
      const identifiers = this.issued.get(m[1])?.identifiers ?? [];
      return this.renewalInfo?.(m[1], identifiers) ?? this.defaultRenewalInfo(m[1]);
    }
    return super.defaultAnswer(request);
  }

  private newOrder(request: FixtureRequest): Answer {
    const payload = request.payload as { identifiers: FixtureOrder['identifiers']; replaces?: string };
    if (payload.replaces && this.alreadyReplaced.delete(payload.replaces)) {
      return {
        status: 409,
        body: {
          type: 'urn:ietf:params:acme:error:alreadyReplaced',
          detail: `certificate ${payload.replaces} already has a replacement order`,
        },
      };
    }
    const id = this.orders.size + 1;
    this.orders.set(id, {
      status: 'ready',
      identifiers: payload.identifiers,
      ...(payload.replaces && { replaces: payload.replaces }),
    });
    return { status: 201, body: this.orderJson(id), headers: { location: `${this.url}/order/${id}` } };
  }

  private async finalize(id: number, request: FixtureRequest): Promise<Answer> {
    const order = this.orders.get(id)!;
    const csr = new x509.Pkcs10CertificateRequest(
      Buffer.from((request.payload as { csr: string }).csr, 'base64url'),
    );
    const notBefore = new Date(Date.now() - 1000);
    const notAfter = new Date(notBefore.getTime() + this.validityMs);
    // 16 bytes, high bit clear: a positive serial whose DER content bytes are exactly these.
    const serial = `7${randomBytes(16).toString('hex').slice(1)}`;
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serial,
        subject: '',
        issuer: this.issuer!.certificate.subject,
        notBefore,
        notAfter,
        signingAlgorithm: ALGORITHM,
        publicKey: await csr.publicKey.export(webcrypto),
        signingKey: this.issuer!.keys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.AuthorityKeyIdentifierExtension(this.issuer!.keyId),
          new x509.SubjectAlternativeNameExtension(
            order.identifiers.map((i) => ({ type: i.type, value: i.value })),
            true,
          ),
        ],
      },
      webcrypto,
    );
    order.status = 'valid';
    order.certificatePem = certificate.toString('pem') + '\n';
    const certId = `${Buffer.from(this.issuer!.keyId, 'hex').toString('base64url')}.${Buffer.from(serial, 'hex').toString('base64url')}`;
    this.issued.set(certId, { notBefore, notAfter, identifiers: order.identifiers });
    return { status: 200, body: this.orderJson(id) };
  }

  private defaultRenewalInfo(certId: string): Answer {
    const validity = this.issued.get(certId);
    if (!validity)
      return {
        status: 404,
        body: { type: 'urn:ietf:params:acme:error:malformed', detail: 'unknown certID' },
      };
    const lifetime = validity.notAfter.getTime() - validity.notBefore.getTime();
    return {
      status: 200,
      body: {
        suggestedWindow: {
          start: new Date(validity.notAfter.getTime() - lifetime / 3).toISOString(),
          end: new Date(validity.notAfter.getTime() - lifetime / 6).toISOString(),
        },
      },
      headers: { 'retry-after': '21600' },
    };
  }

  private orderJson(id: number): Record<string, unknown> {
    const order = this.orders.get(id)!;
    const u = this.url;
    return {
      status: order.status,
      identifiers: order.identifiers,
      authorizations: order.identifiers.map((_, i) => `${u}/authz/${id}-${i}`),
      finalize: `${u}/finalize/${id}`,
      expires: '2030-01-01T00:00:00Z',
      ...(order.certificatePem && { certificate: `${u}/cert/${id}` }),
      ...(order.replaces && { replaces: order.replaces }),
    };
  }
}
