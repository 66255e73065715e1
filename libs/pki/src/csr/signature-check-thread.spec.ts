import { Worker } from 'node:worker_threads';
import { csrPem, generateKeys, makeCsr, pemDer } from '../testing/pki-fixtures';
import type { SignatureCheck } from './csr-signature';
import { parseCsr } from './parse-csr';
import { SignatureCheckThread } from './signature-check-thread';

/** The check parseCsr would run for this CSR. */
async function checkOf(pem: string): Promise<SignatureCheck> {
  let planned: SignatureCheck | undefined;
  await parseCsr(pem, { checkSignature: async (check) => ((planned = check), true) });
  return planned!;
}

/** The same CSR with one bit of its signature flipped. */
function tampered(pem: string): string {
  const der = pemDer(pem);
  der[der.length - 3] ^= 0x01;
  return csrPem(der);
}

describe('SignatureCheckThread', () => {
  let good: SignatureCheck[];
  let bad: SignatureCheck[];
  let thread: SignatureCheckThread;

  beforeAll(async () => {
    const pems = await Promise.all(
      Array.from({ length: 6 }, async () =>
        makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: ['a.example.com'] }),
      ),
    );
    good = await Promise.all(pems.map(checkOf));
    bad = await Promise.all(pems.map((pem) => checkOf(tampered(pem))));
  });
  beforeEach(() => (thread = new SignatureCheckThread()));
  afterEach(async () => {
    jest.restoreAllMocks();
    await thread.close();
  });

  it("should answer each check with its own verdict, one message for a turn's checks", async () => {
    const posted = jest.spyOn(Worker.prototype, 'postMessage');
    const mixed = good.flatMap((check, i) => [check, bad[i]]);
    const verdicts = await Promise.all(mixed.map((check) => thread.check(check)));
    expect(verdicts).toEqual(mixed.map((_, i) => i % 2 === 0));
    expect(posted).toHaveBeenCalledTimes(1);
    expect((posted.mock.calls[0][0] as unknown[]).length).toBe(12);

    // The next turn's checks go in a message of their own, to the same thread.
    expect(await Promise.all([thread.check(bad[0]), thread.check(good[0])])).toEqual([false, true]);
    expect(posted).toHaveBeenCalledTimes(2);
  });

  it('should run the checks of a thread that died here, and start a new thread for the next ones', async () => {
    const errors: Error[] = [];
    thread = new SignatureCheckThread({ onThreadError: (err) => errors.push(err) });
    expect(await thread.check(good[0])).toBe(true);
    const first = (thread as unknown as { worker: Worker }).worker;
    // The thread dies with a batch in flight.
    const inFlight = Promise.all([thread.check(good[1]), thread.check(bad[1])]);
    await new Promise((resolve) => setImmediate(resolve));
    await first.terminate();
    expect(await inFlight).toEqual([true, false]);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/exited/);

    expect(await Promise.all([thread.check(good[2]), thread.check(bad[2])])).toEqual([true, false]);
    const second = (thread as unknown as { worker: Worker }).worker;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it('should still answer once closed, on the calling thread', async () => {
    expect(await thread.check(good[3])).toBe(true);
    const pending = thread.check(bad[3]);
    await thread.close();
    expect(await pending).toBe(false);
    expect(await Promise.all([thread.check(good[4]), thread.check(bad[4])])).toEqual([true, false]);
    expect((thread as unknown as { worker?: Worker }).worker).toBeUndefined();
  });
});
