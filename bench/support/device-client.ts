import type { EnrolledDevice } from './bench-stack';

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
    const res = await fetch(`${apiUrl}/v1/certificates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ csr }),
    });
    const body = (await res.json()) as { id: string };
    if (res.status === 202) return body.id;
    if (res.status < 500 || attempt === 5) {
      throw new Error(`POST /v1/certificates answered ${res.status}: ${JSON.stringify(body)}`);
    }
    onRetry(res.status);
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
}
