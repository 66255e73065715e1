// CPU per parseCsr call, for the CSR shapes the API sees most (P-256 and RSA-2048 with one
// dNSName) and a few heavier ones:
//
//   node bench/run.mjs bench/micro/parse-csr.ts [calls]
//
// CPU time (process.cpuUsage, user + system) rather than wall clock: the machine is shared,
// and what matters for the API is the CPU each submission costs. Each case runs a warm-up
// first so that the JIT and OpenSSL's lazily loaded tables are not counted.
import { parseCsr } from '@fleetcert/pki';
import { KeySpec, generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';

const CALLS = Number(process.argv[2] ?? 20_000);
const WARM_UP = Math.min(2_000, CALLS);

const CASES: { name: string; key: KeySpec; dns: string[] }[] = [
  { name: 'P-256, 1 dNSName', key: { ec: 'P-256' }, dns: ['device-0001.fleet.example.com'] },
  { name: 'RSA-2048, 1 dNSName', key: { rsa: 2048 }, dns: ['device-0001.fleet.example.com'] },
  { name: 'P-384, 1 dNSName', key: { ec: 'P-384' }, dns: ['device-0001.fleet.example.com'] },
  {
    name: 'P-256, 20 dNSNames',
    key: { ec: 'P-256' },
    dns: Array.from({ length: 20 }, (_, i) => `device-${i}.fleet.example.com`),
  },
];

async function microsecondsPerCall(pem: string, calls: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await parseCsr(pem);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

async function main(): Promise<void> {
  console.log(`parseCsr, ${CALLS} calls per case after ${WARM_UP} warm-up calls (CPU µs per call)`);
  for (const { name, key, dns } of CASES) {
    const pem = await makeCsr({ keys: await generateKeys(key), subject: `CN=${dns[0]}`, dns });
    const parsed = await parseCsr(pem);
    if (!parsed.signatureValid) throw new Error(`${name}: the benchmark CSR does not verify`);
    await microsecondsPerCall(pem, WARM_UP);
    const perCall = await microsecondsPerCall(pem, CALLS);
    console.log(`${name.padEnd(22)} ${perCall.toFixed(1).padStart(7)} µs CPU/call`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
