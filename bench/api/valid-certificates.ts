import type { EnrolledDevice } from '../support/bench-stack';
import { enrolDevices } from '../support/bench-stack';
import { makeCsrs } from '../support/csrs';
import { fetchCertificate, submitCsr } from '../support/device-client';
import { PebbleStallError, STALL_MS } from '../support/pebble-stall';
import { mapLimit } from '../support/stats';

/**
 * Enrols `count` devices and has the running worker issue each a certificate, so that the
 * API run can fetch valid certificates (chain included), as devices do.
 */
export async function issueValidCertificates(
  apiUrl: string,
  adminKey: string,
  count: number,
): Promise<{ device: EnrolledDevice; id: string }[]> {
  const labels = Array.from({ length: count }, (_, i) => `get${String(i).padStart(5, '0')}`);
  const devices = await enrolDevices(apiUrl, adminKey, labels);
  const csrs = await makeCsrs(devices.map((d) => d.hostname));
  let issued = 0;
  let progressAt = Date.now();
  return mapLimit(devices, 50, async (device, i) => {
    const id = await submitCsr(apiUrl, device, csrs[i]);
    const deadline = Date.now() + 300_000;
    for (;;) {
      const { status } = await fetchCertificate(apiUrl, device, id);
      if (status === 'valid') {
        [issued, progressAt] = [issued + 1, Date.now()];
        return { device, id };
      }
      if (Date.now() - progressAt > STALL_MS) throw new PebbleStallError('API setup', issued, count);
      if (status === 'failed' || Date.now() > deadline)
        throw new Error(`certificate for ${device.hostname} ended ${status}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}
