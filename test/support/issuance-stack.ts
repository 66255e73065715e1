import { PRISMA, PrismaClient } from '@fleetcert/db';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { startTestApi, TestApi } from './api';
import { Bind9Handle, startBind9 } from './bind9';
import { testConfig, TestEnv, testEnv } from './config';
import { PebbleHandle, PebbleOptions, startPebble } from './pebble';
import { isolatedDatabase } from './isolated-database';
import { startWorkerProcess, WorkerProcess } from './worker-process';
import { waitFor } from './wait-for';

export interface IssuanceStack {
  bind: Bind9Handle;
  pebble: PebbleHandle;
  api: TestApi;
  env: TestEnv;
  admin: string;
  /** Starts (another) worker process with this stack's configuration plus `overrides`. */
  startWorker(overrides?: TestEnv): Promise<WorkerProcess>;
  /** Stops every worker process started so far (gracefully). */
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole product wired together on loopback: BIND9 serving the fleet zone, Pebble
 * validating against it, the API in this process, workers as real child processes.
 */
export async function startIssuanceStack(opts: {
  zone: string;
  fleet: string;
  pebble?: PebbleOptions;
  env?: TestEnv;
  worker?: boolean;
}): Promise<IssuanceStack & { worker?: WorkerProcess }> {
  const started: { stop(): Promise<unknown> }[] = [];
  try {
    return await start(opts, started);
  } catch (err) {
    // A half-started stack must not outlive the failed test (Jest would never exit).
    await Promise.allSettled(started.reverse().map((s) => s.stop()));
    throw err;
  }
}

async function start(
  opts: { zone: string; fleet: string; pebble?: PebbleOptions; env?: TestEnv; worker?: boolean },
  started: { stop(): Promise<unknown> }[],
): Promise<IssuanceStack & { worker?: WorkerProcess }> {
  // A database of its own: see isolated-database.ts for why stacks must not share one.
  const database = opts.env?.DATABASE_URL ? undefined : await isolatedDatabase(opts.fleet);
  if (database) started.push({ stop: () => database.drop() });
  const bind = await startBind9({ zone: opts.zone });
  started.push(bind);
  const pebble = await startPebble({ dnsServer: { host: bind.host, port: bind.port }, ...opts.pebble });
  started.push(pebble);
  const env = testEnv({
    ...(database ? { DATABASE_URL: database.url } : {}),
    FLEETCERT_FLEET_NAME: opts.fleet,
    FLEETCERT_FLEET_ZONE: opts.zone,
    FLEETCERT_DNS_SERVER: `${bind.host}:${bind.port}`,
    FLEETCERT_DNS_TSIG_KEY_NAME: bind.tsig.name,
    FLEETCERT_DNS_TSIG_ALGORITHM: bind.tsig.algorithm,
    FLEETCERT_DNS_TSIG_SECRET: bind.tsig.secret,
    FLEETCERT_DNS_NAMESERVERS: `${bind.host}:${bind.port}`,
    FLEETCERT_DNS_PROPAGATION_INTERVAL_MS: '50',
    FLEETCERT_ACME_DIRECTORY_URL: pebble.directoryUrl,
    FLEETCERT_ACME_CA_BUNDLE: pebble.caBundlePath,
    FLEETCERT_ACME_TERMS_AGREED: 'true',
    FLEETCERT_ACME_CONTACT_EMAIL: 'ops@fleet.test',
    FLEETCERT_WORKER_LOCK_MS: '2000',
    FLEETCERT_RECONCILE_INTERVAL_MS: '1000',
    ...opts.env,
  });
  const api = await startTestApi(testConfig(env));
  started.push({ stop: () => api.close() });
  const admin = await api.operatorKey();
  const workers: WorkerProcess[] = [];
  const startWorker = async (overrides: TestEnv = {}) => {
    const w = await startWorkerProcess({ ...env, ...overrides });
    workers.push(w);
    started.push(w);
    return w;
  };
  const worker = opts.worker === false ? undefined : await startWorker();
  return {
    bind,
    pebble,
    api,
    env,
    admin,
    worker,
    startWorker,
    async stopWorkers() {
      await Promise.all(workers.map((w) => w.stop()));
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await api.close();
      await pebble.stop();
      await bind.stop();
      await database?.drop();
    },
  };
}

/** A request as its device sees it: the device's token, the request's id, the name asked for. */
export interface SubmittedRequest {
  token: string;
  id: string;
  hostname: string;
}

/** Enrolls a new device in the stack's fleet and submits a CSR (P-256) for its hostname. */
export async function submitForNewDevice(stack: IssuanceStack): Promise<SubmittedRequest> {
  const device = (await stack.api.request('POST', '/v1/admin/devices', { token: stack.admin, body: {} }))
    .body;
  const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [device.hostname] });
  const res = await stack.api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });
  if (res.status !== 202) throw new Error(`submission answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { token: device.token, id: res.body.id, hostname: device.hostname };
}

/** Waits until the device sees its request `valid` or `failed`, and returns what it sees. */
export function requestFinished(stack: IssuanceStack, request: SubmittedRequest) {
  return waitFor(
    async () =>
      (await stack.api.request('GET', `/v1/certificates/${request.id}`, { token: request.token })).body,
    (b) => b.status === 'valid' || b.status === 'failed',
    { timeoutMs: 60_000, what: `request ${request.id} to finish` },
  );
}

/**
 * Waits until a worker is mid-order on the request: the order exists at the CA (its URL is
 * saved) and a challenge is presented. Returns the request's row with its challenges.
 */
export function orderPresented(stack: IssuanceStack, requestId: string) {
  return waitFor(
    () =>
      stack.api.app.get<PrismaClient>(PRISMA).certificateRequest.findUniqueOrThrow({
        where: { id: requestId },
        include: { challenges: true },
      }),
    (r) => r.orderUrl !== null && r.challenges.some((c) => c.status === 'presented'),
    { what: `request ${requestId}'s order to be created and its challenge presented` },
  );
}
