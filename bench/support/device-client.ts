import { Agent, request } from 'node:http';
import type { EnrolledDevice } from './bench-stack';

/**
 * The simulated devices' HTTP client. In production every device is its own machine; here
 * the fleet runs inside the benchmark process, on the same two cores as the API, the
 * worker, Postgres, Pebble and BIND9, so whatever the client spends is taken from them.
 * `node:http` with one keep-alive agent costs about a third of what `fetch` (undici, WHATWG
 * streams) costs a request: during the 500 submissions the devices took 0.27–0.45 s of CPU
 * this way, 0.84–1.37 s with `fetch` (BENCHMARKS.md, eleventh pass, item 46).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface DeviceResponse {
  status: number;
  body: unknown;
}

/** One JSON request over the shared keep-alive connections; the body is parsed when there is one. */
function deviceRequest(
  url: string,
  token: string,
  method: 'GET' | 'POST',
  json?: unknown,
): Promise<DeviceResponse> {
  const payload = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload && { 'content-type': 'application/json', 'content-length': payload.length }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          } catch (err) {
            reject(
              new Error(
                `${method} ${url} answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`,
                { cause: err },
              ),
            );
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A device posting its CSR, as the reference agent does: a 5xx is retried after a pause
 * (up to 5 attempts). `onRetry` hears each retried status, so the benchmark can report
 * them: under load the API should not fail at all.
 */
export async function submitCsr(
  apiUrl: string,
  device: EnrolledDevice,
  csr: string,
  onRetry: (status: number) => void = () => undefined,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const res = await deviceRequest(`${apiUrl}/v1/certificates`, device.token, 'POST', { csr });
    if (res.status === 202) return (res.body as { id: string }).id;
    if (res.status < 500 || attempt === 5) {
      throw new Error(`POST /v1/certificates answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    onRetry(res.status);
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
}

/** A device fetching its certificate request (`GET /v1/certificates/{id}`): its status and, once valid, the chain. */
export async function fetchCertificate(
  apiUrl: string,
  device: EnrolledDevice,
  id: string,
): Promise<{ status?: string; certificate?: string }> {
  const res = await deviceRequest(`${apiUrl}/v1/certificates/${id}`, device.token, 'GET');
  return (res.body ?? {}) as { status?: string; certificate?: string };
}
