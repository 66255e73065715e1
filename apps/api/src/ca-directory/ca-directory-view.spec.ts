import type { AcmeCa, AcmeDirectory } from '@fleetcert/acme';
import { CaDirectoryView, CaDirectoryViewTiming } from './ca-directory-view';

const TIMING: CaDirectoryViewTiming = {
  refreshAfterMs: 600_000,
  retryAfterFailureMs: 30_000,
  firstReadWaitMs: 50,
};

function directory(profiles: Record<string, string>): AcmeDirectory {
  return {
    url: 'https://ca.test/dir',
    newNonce: 'https://ca.test/nonce',
    newAccount: 'https://ca.test/acct',
    newOrder: 'https://ca.test/order',
    revokeCert: 'https://ca.test/revoke',
    meta: { profiles },
  };
}

/** A CA whose directory reads the test answers one by one. */
function fakeCa() {
  const pending: Array<{ resolve(d: AcmeDirectory): void; reject(e: Error): void }> = [];
  const ca = {
    reads: 0,
    directory: () =>
      new Promise<AcmeDirectory>((resolve, reject) => {
        ca.reads++;
        pending.push({ resolve, reject });
      }),
    answer: async (d: AcmeDirectory) => {
      pending.shift()!.resolve(d);
      await new Promise((r) => setImmediate(r));
    },
    fail: async () => {
      pending.shift()!.reject(new Error('getaddrinfo ENOTFOUND ca.test'));
      await new Promise((r) => setImmediate(r));
    },
  };
  return ca;
}

describe(CaDirectoryView.name, () => {
  let t: number;
  beforeEach(() => (t = 1_000_000));
  const view = (ca: ReturnType<typeof fakeCa>) =>
    new CaDirectoryView(ca as unknown as AcmeCa, TIMING, () => t);

  it('should wait for the first read, then answer from it without asking the CA again', async () => {
    const ca = fakeCa();
    const v = view(ca);
    const first = v.current();
    await ca.answer(directory({ classic: 'x' }));
    expect((await first)?.meta.profiles).toEqual({ classic: 'x' });
    t += TIMING.refreshAfterMs - 1;
    expect((await v.current())?.meta.profiles).toEqual({ classic: 'x' });
    expect(ca.reads).toBe(1);
  });

  it('should give up waiting for a first read that hangs after firstReadWaitMs, and use it once it comes', async () => {
    const ca = fakeCa();
    const v = view(ca);
    expect(await v.current()).toBeUndefined(); // the read is still running (the CA hangs)
    expect(ca.reads).toBe(1);
    await ca.answer(directory({ shortlived: 'y' }));
    expect((await v.current())?.meta.profiles).toEqual({ shortlived: 'y' });
    expect(ca.reads).toBe(1);
  });

  it('should not ask an unreachable CA again before retryAfterFailureMs, answering at once meanwhile', async () => {
    const ca = fakeCa();
    const v = view(ca);
    const first = v.current();
    await ca.fail();
    expect(await first).toBeUndefined();
    for (let i = 0; i < 50; i++) expect(await v.current()).toBeUndefined();
    expect(ca.reads).toBe(1);
    t += TIMING.retryAfterFailureMs;
    const next = v.current();
    expect(ca.reads).toBe(2);
    await ca.answer(directory({ classic: 'x' }));
    expect((await next)?.meta.profiles).toEqual({ classic: 'x' });
  });

  it('should serve the last directory while reading it again in the background, and keep it when that fails', async () => {
    const ca = fakeCa();
    const v = view(ca);
    const first = v.current();
    await ca.answer(directory({ classic: 'old' }));
    await first;
    t += TIMING.refreshAfterMs;
    expect((await v.current())?.meta.profiles).toEqual({ classic: 'old' }); // not waiting for the read
    expect(await v.current()).toBeDefined();
    expect(ca.reads).toBe(2); // one read in the background, shared
    await ca.fail();
    expect((await v.current())?.meta.profiles).toEqual({ classic: 'old' });
    expect(ca.reads).toBe(2); // the failure holds the next read off
    t += TIMING.retryAfterFailureMs;
    await v.current();
    await ca.answer(directory({ classic: 'new' }));
    expect((await v.current())?.meta.profiles).toEqual({ classic: 'new' });
  });
});
