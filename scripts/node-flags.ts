/**
 * The Node flags and the malloc setting the API and the worker are shipped with: `npm run
 * start:api` and `start:worker` (and so the Docker image and docker-compose.yml, which run
 * those scripts), and `npm start`, `npm run sandbox` and the benchmark, which all start
 * the apps through scripts/app-process.ts. package.json cannot import this file:
 * test/deploy/node-flags.spec.ts checks that its scripts say the same.
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

/**
 * V8's pool of helper threads, one instead of Node's four. V8 runs its concurrent marking,
 * sweeping and compaction (and background compilation) on this pool, as many helpers at
 * once as it has. On a 2-core machine under load, the other core already serves Postgres,
 * Redis and the CSR signature thread: during each major collection the API took 1.6–2.1
 * cores with four helpers (1.4–1.7 with one), and the submissions waiting behind it made
 * the paced p99. With one helper, paced at 1,500 submissions/s, p99 37.5 ms against 50.6
 * (medians of 16 alternating runs each), and the worker stored 3% more certificates a
 * second (BENCHMARKS.md, twenty-sixth pass). One helper a process also suits more cores:
 * the API scales by processes (its cluster), each with its own pool.
 */
export const V8_POOL_SIZE = '--v8-pool-size=1';

/** The flags, in the order the npm scripts pass them. */
export const NODE_FLAGS: readonly string[] = [
  `--max-old-space-size=${HEAP_LIMIT_MIB}`,
  NO_PRETENURING,
  V8_POOL_SIZE,
];

/**
 * glibc's malloc, with a fixed mmap threshold (its own initial value, 128 KiB). By default
 * glibc raises the threshold each time a large mmapped block is freed, up to 32 MiB, so
 * that later large blocks come from its arenas instead, and an arena keeps what is freed
 * in it. Node's start-up (Prisma's WebAssembly query compiler, V8's compiler threads) frees
 * such blocks, and the API then held 95–111 MiB of malloc memory with 13 MiB in use: a
 * third of its resident memory (`gdb -p <pid> -batch -ex 'call (void)malloc_stats()'`).
 * With the threshold fixed, blocks of 128 KiB and more are mapped and unmapped one by one:
 * 17–46 MiB held, and the API's resident memory 162–192 MiB instead of 239–256 after the
 * same requests (BENCHMARKS.md, twenty-fourth pass). Setting the variable turns glibc's
 * raising off; other C libraries ignore it. A value already in the environment wins.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** `env` with the shipped malloc setting underneath it: a value `env` has wins. */
export function withMallocEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...MALLOC_ENV, ...env };
}

/** The same for npm scripts (a POSIX shell's default expansion), put before `node`. */
export const MALLOC_ENV_PREFIX = Object.entries(MALLOC_ENV)
  .map(([name, value]) => `${name}=\${${name}:-${value}}`)
  .join(' ');
