// CPU per device-token hash, as authentication makes the cache key on every device request:
//
//   node bench/run.mjs bench/micro/hash-token.ts [calls]
//
// The Hash object the code used to make (createHash().update().digest()), the one-shot
// `hashToken`, and `hashTokenBase64`, which gives the base64 key without a Buffer between.
// CPU time (process.cpuUsage) rather than wall clock: the machine is shared.
import { createHash } from 'node:crypto';
import { hashToken, hashTokenBase64, issueToken } from '@fleetcert/auth';

const CALLS = Number(process.argv[2] ?? 500_000);
const ROUNDS = 3;

const CASES: [string, (token: string) => unknown][] = [
  [
    'createHash().digest().toString(base64)',
    (t) => createHash('sha256').update(t, 'utf8').digest().toString('base64'),
  ],
  ['hashToken().toString(base64)', (t) => hashToken(t).toString('base64')],
  ['hashTokenBase64()', (t) => hashTokenBase64(t)],
];

function nanosecondsPerCall(fn: (token: string) => unknown, token: string, calls: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn(token);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / calls;
}

const { token } = issueToken('fcd');
const keys = new Set(CASES.map(([, fn]) => fn(token)));
if (keys.size !== 1) throw new Error('the ways of hashing disagree');
console.log(`device token SHA-256 as a base64 key, ${CALLS} calls a round (CPU ns per call)`);
for (const [, fn] of CASES) nanosecondsPerCall(fn, token, Math.min(CALLS, 50_000));
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, fn] of CASES) {
    console.log(
      `round ${round}  ${name.padEnd(42)} ${nanosecondsPerCall(fn, token, CALLS).toFixed(0).padStart(6)} ns`,
    );
  }
}
