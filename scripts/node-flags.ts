/**
 * The Node flags the API and the worker are shipped with: `npm run start:api` and
 * `start:worker` (and so the Docker image and docker-compose.yml, which run those
 * scripts), `npm start` and `npm run sandbox` (scripts/start-local.ts, scripts/sandbox.ts)
 * and the benchmark (bench/support/fleetcert-process.ts). package.json cannot import
 * this file: test/deploy/node-flags.spec.ts checks that its scripts say the same.
 */

/**
 * V8's old-generation limit, in MiB. Without one, V8 sizes the heap from the machine's
 * memory (about 2 GiB on a 24 GiB host) and lets garbage pile up to hundreds of MiB before
 * collecting it: the API reached 430–574 MiB resident under the fleet-scale benchmark
 * although its live heap stays under 100 MiB. 192 MiB keeps both processes under 300 MiB
 * resident (the binary, compiled code and Prisma's WebAssembly query compiler take about
 * 110 MiB outside this heap) and leaves room for the largest single request, a 1,000-device
 * bulk enrolment (128 MiB was too small for it). Raise it with the fleet, not to hide a leak.
 */
export const HEAP_LIMIT_MIB = 192;

/**
 * V8's allocation-site pretenuring, off. V8 watches where objects are allocated and, when
 * every object of a site survived a young-generation collection, allocates that site's
 * objects in the old generation from then on; it never takes the decision back. A server's
 * request objects all survive a collection whenever one falls while they are in flight, so
 * during start-up or any burst V8 tenured ~40 of the API's request-path sites (seen with
 * `--trace-pretenuring`), and from then on their garbage went straight to the old
 * generation: a major collection every ~1 s under load and fetches answered at p99 30–44 ms
 * paced at 5,000/s. Without it: p99 4–16 ms, a quarter of the collector time
 * (BENCHMARKS.md, fourteenth pass). The worker runs with it too (its issuance rate did not
 * change either way), so both processes share one set of flags.
 */
export const NO_PRETENURING = '--no-allocation-site-pretenuring';

/** The flags, in the order the npm scripts pass them. */
export const NODE_FLAGS: readonly string[] = [`--max-old-space-size=${HEAP_LIMIT_MIB}`, NO_PRETENURING];
