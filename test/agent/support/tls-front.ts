import { webcrypto } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer, Server } from 'node:https';
import { join } from 'node:path';
import { generateKeys, issue, makeRoot } from '../../../libs/pki/src/testing/pki-fixtures';

/**
 * An HTTPS reverse proxy in front of the (plain HTTP) test API, with a certificate from a
 * private test CA: the agent talks TLS to it exactly as to a production server behind a
 * load balancer. It can be stopped and started again on the same port (a server outage)
 * and pointed at another API instance (a restarted server).
 */
export interface TlsFront {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** PEM file of the private CA that signed the front's certificate (the agent's --ca-bundle). */
  caPath: string;
  /** Points the proxy at another upstream. */
  setTarget(url: string): void;
  /** Stops listening and drops every connection (the server is gone). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function startTlsFront(target: string, dir: string): Promise<TlsFront> {
  const root = await makeRoot('CN=fleetcert agent test CA');
  const keys = await generateKeys({ ec: 'P-256' });
  const now = Date.now();
  const cert = await issue({
    issuer: root,
    subject: 'CN=127.0.0.1',
    publicKey: keys.publicKey,
    serialNumber: '0a1b2c',
    ips: ['127.0.0.1'],
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 24 * 3600_000),
  });
  const keyDer = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${keyDer.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  const caPath = join(dir, 'server-ca.pem');
  await writeFile(caPath, root.certificate.toString('pem'));

  let upstream = target;
  let server: Server | null = null;
  let port = 0;
  const listen = async () => {
    const s = createServer({ key: keyPem, cert: cert.toString('pem') }, (req, res) => {
      const up = httpRequest(upstream + req.url, { method: req.method, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('upstream down\n');
      });
      req.pipe(up);
    });
    s.listen(port, '127.0.0.1');
    await once(s, 'listening');
    port = (s.address() as { port: number }).port;
    server = s;
  };
  await listen();
  return {
    url: `https://127.0.0.1:${port}`,
    caPath,
    setTarget: (url) => (upstream = url),
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      const closed = once(s, 'close');
      s.close();
      s.closeAllConnections();
      await closed;
    },
    start: listen,
  };
}
