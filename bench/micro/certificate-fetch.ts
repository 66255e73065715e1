// CPU per cached `GET /v1/certificates/{id}` (the fetch devices make all day), through the
// whole API in-process: Fastify, Nest's router, the device-token guard, the read caches,
// the response hooks and metrics, with real Postgres and Redis behind them:
//
//   node bench/run.mjs bench/micro/certificate-fetch.ts [fetches]
//
// Requests go through Fastify's `inject` rather than a socket, so socket I/O and a load
// generator's share of the CPU are left out, and logs are off (`silent`): what is left is
// what the API's own code costs a fetch. CPU time (process.cpuUsage, user + system,
// including GC) rather than wall clock, because the machine is shared. It also prints the
// SHA-256 of the response (headers that vary per request aside), so that runs before and
// after a change can be checked for byte-identical answers.
import { createHash } from 'node:crypto';
import { ChangeFeed, PRISMA, PrismaClient } from '@fleetcert/db';
import { CHANGE_FEED } from '../../apps/api/src/read-cache/read-caches';
import { withInProcessApi } from '../support/in-process-api';
import { runBenchmark } from '../support/on-interrupt';
import { storeValidCertificate } from '../../test/support/stored-rows';

const FETCHES = Number(process.argv[2] ?? 50_000);
const WARM_UP = Math.min(5_000, FETCHES);
const ROUNDS = 3;
/** Fetches in flight together, as from as many devices' connections. */
const CONCURRENCY = 32;

/** A chain of a realistic size: leaf and intermediate, about 3.5 KB of PEM. */
function fakeChain(): string {
  const block = (seed: string) =>
    `-----BEGIN CERTIFICATE-----\n${createHash('sha512')
      .update(seed)
      .digest('base64')
      .repeat(19)
      .match(/.{1,64}/g)!
      .join('\n')}\n-----END CERTIFICATE-----\n`;
  return block('leaf') + block('intermediate');
}

async function main(): Promise<void> {
  await withInProcessApi('fetchbench', async (api) => {
    const prisma = api.app.get<PrismaClient>(PRISMA);
    const feed = api.app.get<ChangeFeed>(CHANGE_FEED);
    const admin = await api.operatorKey('admin');
    const device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
    const stored = await storeValidCertificate(prisma, device, fakeChain());
    const fastify = api.app.getHttpAdapter().getInstance();
    const fetch = () =>
      fastify.inject({
        method: 'GET',
        url: `/v1/certificates/${stored.id}`,
        headers: { authorization: `Bearer ${device.token}` },
      });

    // The first fetch stamps the token's use, a change that empties the device's entries.
    await fetch();
    await feed.sync();
    const sample = await fetch();
    if (sample.statusCode !== 200) throw new Error(`fetch answered ${sample.statusCode}: ${sample.body}`);
    const { 'x-request-id': _id, date: _date, ...headers } = sample.headers;
    // The ids and the hostname are new each run: the digest is of the response without them.
    const body = sample.body.replaceAll(stored.id, '<id>').replaceAll(device.hostname, '<hostname>');
    const digest = createHash('sha256').update(JSON.stringify(headers)).update(body).digest('hex');
    console.log(`response: ${sample.rawPayload.length} bytes, sha256 of headers and body ${digest}`);

    // `inject` answers without I/O: the event loop must be let through between batches, or
    // the responses' pending setImmediate callbacks (and the responses) pile up.
    const fetchMany = async (count: number) => {
      for (let done = 0; done < count; done += CONCURRENCY) {
        await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count - done) }, fetch));
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await fetchMany(WARM_UP);
    console.log(`cached GET /v1/certificates/{id}, ${FETCHES} fetches a round (CPU µs per fetch)`);
    for (let round = 1; round <= ROUNDS; round++) {
      const start = process.cpuUsage();
      await fetchMany(FETCHES);
      const used = process.cpuUsage(start);
      console.log(`round ${round}: ${((used.user + used.system) / FETCHES).toFixed(1)} µs CPU/fetch`);
    }
    const last = await fetch();
    if (last.body !== sample.body) throw new Error('the last fetch answered another body than the first');
  });
}

runBenchmark(main);
