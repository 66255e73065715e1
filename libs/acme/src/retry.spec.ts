import { AcmeNetworkError } from './acme-network.error';
import { AcmeProblemError, acmeErrorType } from './acme-problem.error';
import { backoffMs, RETRY_DEFAULTS, RetryEvent, withRetries } from './retry';

const NOW = 1_000_000;

function failing(errors: unknown[], result = 'ok') {
  const calls = { count: 0 };
  const call = async () => {
    const error = errors[calls.count++];
    if (error) throw error;
    return result;
  };
  return { call, calls };
}

const badNonce = () => new AcmeProblemError({ type: acmeErrorType('badNonce') }, { status: 400 });
const internal = (retryAfterMs?: number) =>
  new AcmeProblemError(
    { type: acmeErrorType('serverInternal') },
    { status: 500, retryAfter: retryAfterMs === undefined ? undefined : new Date(NOW + retryAfterMs) },
  );
const network = () => new AcmeNetworkError('ECONNRESET', 'POST', 'https://ca.example/x', 'reset');

describe(withRetries.name, () => {
  const waits: number[] = [];
  const events: RetryEvent[] = [];
  const hooks = {
    sleep: async (ms: number) => void waits.push(ms),
    random: () => 0.5,
    now: () => NOW,
    onRetry: (event: RetryEvent) => void events.push(event),
  };

  beforeEach(() => {
    waits.length = 0;
    events.length = 0;
  });

  it('should retry badNonce at once, up to its own budget', async () => {
    const { call, calls } = failing([badNonce(), badNonce(), badNonce()]);
    await expect(withRetries(call, RETRY_DEFAULTS, hooks)).resolves.toBe('ok');
    expect(calls.count).toBe(4);
    expect(waits).toEqual([]);
    expect(events.map((e) => [e.reason, e.retry])).toEqual([
      ['badNonce', 1],
      ['badNonce', 2],
      ['badNonce', 3],
    ]);

    const exhausted = failing(Array.from({ length: 10 }, badNonce));
    await expect(
      withRetries(exhausted.call, { ...RETRY_DEFAULTS, badNonceAttempts: 3 }, hooks),
    ).rejects.toMatchObject({
      code: 'badNonce',
    });
    expect(exhausted.calls.count).toBe(3);
  });

  it('should back off on network errors and 5xx, then give up', async () => {
    const { call, calls } = failing([network(), internal(), network(), internal()]);
    await expect(withRetries(call, RETRY_DEFAULTS, hooks)).rejects.toBeInstanceOf(AcmeProblemError);
    expect(calls.count).toBe(4);
    // base 500 doubling, equal jitter at random()=0.5: 3/4 of the ceiling.
    expect(waits).toEqual([375, 750, 1500]);
  });

  it('should wait out a short Retry-After and throw a long one', async () => {
    const short = failing([internal(5_000)]);
    await withRetries(short.call, RETRY_DEFAULTS, hooks);
    expect(waits).toEqual([5_000]);

    const long = failing([internal(60_000)]);
    await expect(withRetries(long.call, RETRY_DEFAULTS, hooks)).rejects.toMatchObject({
      code: 'serverInternal',
    });
    expect(long.calls.count).toBe(1);
  });

  it('should never retry rate limits or permanent problems', async () => {
    for (const code of ['rateLimited', 'malformed', 'alreadyReplaced', 'unauthorized']) {
      const { call, calls } = failing([new AcmeProblemError({ type: acmeErrorType(code) }, { status: 400 })]);
      await expect(withRetries(call, RETRY_DEFAULTS, hooks)).rejects.toMatchObject({ code });
      expect(calls.count).toBe(1);
    }
    const bug = failing([new TypeError('bug')]);
    await expect(withRetries(bug.call, RETRY_DEFAULTS, hooks)).rejects.toThrow('bug');
    expect(bug.calls.count).toBe(1);
  });

  describe('with a signal', () => {
    it('should retry nothing once it is aborted, not even badNonce', async () => {
      const closing = new AbortController();
      closing.abort();
      for (const error of [network(), badNonce()]) {
        const { call, calls } = failing([error, error]);
        await expect(withRetries(call, RETRY_DEFAULTS, { ...hooks, signal: closing.signal })).rejects.toBe(
          error,
        );
        expect(calls.count).toBe(1);
      }
      expect(events).toEqual([]);
    });

    it('should end a backoff when it aborts, and throw what the next call throws', async () => {
      const closing = new AbortController();
      const closed = new AcmeNetworkError('ECANCELED', 'POST', 'https://ca.example/x', 'closed');
      const { call, calls } = failing([network(), closed, network()]);
      // The real sleep, with a backoff far longer than the test: only the abort (once it sleeps) ends it.
      const pending = withRetries(
        call,
        { ...RETRY_DEFAULTS, baseDelayMs: 600_000, maxDelayMs: 600_000 },
        { signal: closing.signal, onRetry: () => setImmediate(() => closing.abort()) },
      );
      await expect(pending).rejects.toBe(closed);
      expect(calls.count).toBe(2);
    });
  });
});

describe(backoffMs.name, () => {
  const options = { baseDelayMs: 500, maxDelayMs: 8000 };

  it('should stay within [ceiling/2, ceiling] and respect the cap', () => {
    expect(backoffMs(0, options, () => 0)).toBe(250);
    expect(backoffMs(0, options, () => 1)).toBe(500);
    expect(backoffMs(3, options, () => 0)).toBe(2000);
    expect(backoffMs(10, options, () => 1)).toBe(8000);
    expect(backoffMs(10, options, () => 0)).toBe(4000);
  });
});
