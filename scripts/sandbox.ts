/**
 * `npm run sandbox`: a newcomer's first run. Starts, on loopback only:
 *   BIND9 serving a fleet zone (RFC 2136 + TSIG), Pebble (Let's Encrypt's test CA) validating
 *   against it, the fleetcert API and worker (real processes, from dist/), wired together;
 * then enrols a few demo devices, issues their certificates, and prints the addresses, an
 * operator key and the device tokens. Ctrl-C stops everything.
 *
 * It uses its own database (`fleetcert_sandbox`, recreated at each start) and Redis prefix.
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { Pkcs10CertificateRequestGenerator, SubjectAlternativeNameExtension } from '@peculiar/x509';
import { migrate } from '../libs/db/src/migrate';
import { FleetcertApp, spawnApp, stopChildren } from './app-process';
import { startBind9 } from '../test/support/bind9';
import { startPebble } from '../test/support/pebble';

const ZONE = 'devices.sandbox.test';
const DB = 'fleetcert_sandbox';
const PG = (process.env.FLEETCERT_SANDBOX_POSTGRES ?? 'postgresql://postgres@127.0.0.1:5432').replace(
  /\/$/,
  '',
);
const PORT = process.env.FLEETCERT_HTTP_PORT ?? '3000';
const HOST = process.env.FLEETCERT_HTTP_HOST ?? '127.0.0.1';
const root = join(__dirname, '..');
const out = join(process.cwd(), '.fleetcert', 'sandbox');

function requireBinary(name: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  } catch {
    console.error(`The sandbox needs ${name}: sudo apt-get install -y ${pkg}`);
    process.exit(69);
  }
}

/**
 * Exits when the API's port is taken (another sandbox, `npm start`). Checked before the
 * sandbox recreates its database: doing that under a running sandbox would pull the
 * database from under its API, and this sandbox's health wait would then be answered by
 * the other one's API.
 */
async function requireFreePort(host: string, port: number): Promise<void> {
  const probe = createServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    probe.once('error', resolve);
    probe.listen({ host, port }, () => resolve(undefined));
  });
  if (!error) {
    await new Promise((resolve) => probe.close(resolve));
    return;
  }
  console.error(
    error.code === 'EADDRINUSE'
      ? `Port ${port} on ${host} is already in use (another sandbox or \`npm start\`?). Stop it, or run the sandbox on another port: FLEETCERT_HTTP_PORT=3001 npm run sandbox`
      : `The sandbox cannot listen on ${host}:${port}: ${error.message}`,
  );
  process.exit(1);
}

async function main(): Promise<void> {
  requireBinary('named', 'bind9 bind9-dnsutils');
  requireBinary('pebble', 'pebble');
  await requireFreePort(HOST, Number(PORT));
  mkdirSync(out, { recursive: true, mode: 0o700 });

  const admin = new Client({ connectionString: `${PG}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
  const databaseUrl = `${PG}/${DB}`;
  await migrate({
    databaseUrl,
    migrationsDir: join(root, '..', 'prisma', 'migrations'),
    log: () => undefined,
  });

  const bind = await startBind9({ zone: ZONE });
  const pebble = await startPebble({ dnsServer: { host: bind.host, port: bind.port } });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    FLEETCERT_REDIS_PREFIX: 'fleetcert-sandbox',
    FLEETCERT_HTTP_PORT: PORT,
    FLEETCERT_FLEET_NAME: 'sandbox',
    FLEETCERT_FLEET_ZONE: ZONE,
    FLEETCERT_DNS_SERVER: `${bind.host}:${bind.port}`,
    FLEETCERT_DNS_TSIG_KEY_NAME: bind.tsig.name,
    FLEETCERT_DNS_TSIG_ALGORITHM: bind.tsig.algorithm,
    FLEETCERT_DNS_TSIG_SECRET: bind.tsig.secret,
    FLEETCERT_DNS_NAMESERVERS: `${bind.host}:${bind.port}`,
    FLEETCERT_DNS_PROPAGATION_INTERVAL_MS: '100',
    FLEETCERT_ACME_DIRECTORY_URL: pebble.directoryUrl,
    FLEETCERT_ACME_CA_BUNDLE: pebble.caBundlePath,
    // Pebble enforces no rate limits; modelling Let's Encrypt's would defer most of the run.
    FLEETCERT_RATE_LIMITS: 'none',
    FLEETCERT_ACME_TERMS_AGREED: 'true',
    FLEETCERT_ALLOW_NON_PUBLIC_IPS: 'true',
    FLEETCERT_LOG_LEVEL: process.env.FLEETCERT_LOG_LEVEL ?? 'warn',
  };
  const children: ChildProcess[] = [];
  const stop = async () => {
    await stopChildren(children);
    await pebble.stop();
    await bind.stop();
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stop().then(() => process.exit(0)));

  for (const app of ['api', 'worker'] satisfies FleetcertApp[]) {
    const child = spawnApp(app, {
      distDir: root,
      env,
      stdio: 'inherit',
      extraFlags: ['--enable-source-maps'],
    });
    child.on('exit', (code, signal) => {
      if (code !== 0) console.error(`the ${app} exited (${signal ?? code})`);
    });
    children.push(child);
  }
  const api = `http://${HOST === '0.0.0.0' ? '127.0.0.1' : HOST}:${PORT}`;
  await waitForHealth(api);

  const created = execFileSync(
    process.execPath,
    [join(root, 'apps/api/src/cli.js'), 'operator:create', '--name', 'sandbox'],
    {
      env,
      encoding: 'utf8',
    },
  );
  const operatorKey = /fco_\S+/.exec(created)![0];

  console.log('\nEnrolling 3 demo devices and issuing their certificates through Pebble…');
  const demo: { hostname: string; token: string; status: string }[] = [];
  for (let i = 1; i <= 3; i++) {
    const device = await call(api, 'POST', '/v1/admin/devices', operatorKey, {
      identifier: `demo-${i}`,
      labels: { demo: 'yes' },
    });
    await call(api, 'PUT', '/v1/device/addresses', device.token, { ipv4: `192.168.10.${i}` });
    const { csr, keyPem } = await makeCsr(device.hostname);
    writeFileSync(join(out, `${device.hostname}.key.pem`), keyPem, { mode: 0o600 });
    const request = await call(api, 'POST', '/v1/certificates', device.token, { csr });
    const done = await until(async () => {
      const r = await call(api, 'GET', `/v1/certificates/${request.id}`, device.token);
      return r.status === 'valid' || r.status === 'failed' ? r : undefined;
    });
    if (done.certificate)
      writeFileSync(join(out, `${device.hostname}.fullchain.pem`), done.certificate, { mode: 0o600 });
    demo.push({ hostname: device.hostname, token: device.token, status: done.status });
  }

  console.log(`
fleetcert sandbox is running (Ctrl-C stops it)

  API            ${api}
  Dashboard      ${api}/
  API reference  ${api}/docs
  Operator key   ${operatorKey}
  ACME CA        ${pebble.directoryUrl}   (Pebble; root: ${pebble.managementUrl}/roots/0)
  DNS zone       ${ZONE} at ${bind.host}:${bind.port}   (dig @${bind.host} -p ${bind.port} <name>)

Demo devices (keys and chains in ${out}):
${demo.map((d) => `  ${d.status.padEnd(7)} ${d.hostname}  token ${d.token}`).join('\n')}

Try:  curl -s -H "Authorization: Bearer ${operatorKey}" ${api}/v1/admin/devices | head -c 400
`);
}

/** The string fields of an API answer (ids, tokens, statuses, PEM). */
type ApiBody = Record<string, string>;

async function call(
  api: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<ApiBody> {
  const res = await fetch(api + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as ApiBody;
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${json.message}`);
  return json;
}

async function waitForHealth(api: string): Promise<void> {
  await until(async () => {
    try {
      return (await fetch(`${api}/health`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  });
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('sandbox: timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A device would do this itself (the agent does): a P-256 key and a CSR for its hostname. */
async function makeCsr(hostname: string): Promise<{ csr: string; keyPem: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const csr = await Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: alg,
    extensions: [new SubjectAlternativeNameExtension([{ type: 'dns', value: hostname }])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
  return { csr: csr.toString('pem'), keyPem };
}

main().catch((err) => {
  console.error(`sandbox failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
