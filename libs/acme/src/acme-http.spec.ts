import { once } from 'node:events';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { webcrypto } from 'node:crypto';
import { generateKeys, issue, makeRoot } from '../../pki/src/testing/pki-fixtures';
import { AcmeHttp } from './acme-http';
import { AcmeNetworkError } from './acme-network.error';

/** A TLS server on loopback with a certificate for 127.0.0.1 signed by `root`; counts its connections. */
async function startTlsServer(): Promise<{
  server: Server;
  url: string;
  rootPem: string;
  connections: () => number;
}> {
  const root = await makeRoot('CN=acme-http test root');
  const keys = await generateKeys({ ec: 'P-256' });
  const now = Date.now();
  const leaf = await issue({
    issuer: root,
    subject: 'CN=127.0.0.1',
    publicKey: keys.publicKey,
    serialNumber: '0a',
    ips: ['127.0.0.1'],
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 24 * 3600_000),
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  let connections = 0;
  const server = createServer({ cert: leaf.toString('pem'), key: keyPem }, (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  server.on('secureConnection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `https://127.0.0.1:${port}/dir`,
    rootPem: root.certificate.toString('pem'),
    connections: () => connections,
  };
}

const OPTIONS = { requestTimeoutMs: 5000, userAgent: 'fleetcert-test', maxResponseBytes: 1024 * 1024 };

describe(AcmeHttp.name, () => {
  let tls: Awaited<ReturnType<typeof startTlsServer>>;

  beforeAll(async () => {
    tls = await startTlsServer();
  });
  afterAll(async () => {
    tls.server.closeAllConnections();
    await new Promise((resolve) => tls.server.close(resolve));
  });

  describe('caBundlePem', () => {
    it('should trust a CA server whose certificate chains to the bundle', async () => {
      const http = new AcmeHttp({ ...OPTIONS, caBundlePem: tls.rootPem });
      try {
        await expect(http.getJson(tls.url)).resolves.toMatchObject({ body: { ok: true } });
      } finally {
        http.close();
      }
    });

    it('should refuse a CA server whose certificate chains to another root', async () => {
      const other = await makeRoot('CN=some other root');
      const http = new AcmeHttp({ ...OPTIONS, caBundlePem: other.certificate.toString('pem') });
      try {
        await expect(http.getJson(tls.url)).rejects.toBeInstanceOf(AcmeNetworkError);
      } finally {
        http.close();
      }
    });

    it('should refuse a CA server with a private certificate when no bundle is given', async () => {
      const http = new AcmeHttp(OPTIONS);
      try {
        await expect(http.getJson(tls.url)).rejects.toBeInstanceOf(AcmeNetworkError);
      } finally {
        http.close();
      }
    });
  });

  it('should send one request after another over one kept-alive connection', async () => {
    const http = new AcmeHttp({ ...OPTIONS, caBundlePem: tls.rootPem });
    const before = tls.connections();
    try {
      for (let i = 0; i < 5; i++) await http.getJson(tls.url);
    } finally {
      http.close();
    }
    expect(tls.connections() - before).toBe(1);
  });
});
