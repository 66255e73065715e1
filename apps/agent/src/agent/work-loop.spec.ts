import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, ServerUnreachableError } from '../api/api-errors';
import type { StepResult } from '../certificates/certificate-manager';
import { RequestRefusedError } from '../certificates/certificate-errors';
import { JsonLogger } from '../log/logger';
import { Sleeper } from '../retry/sleeper';
import { StateStore } from '../state/state-store';
import { runWorkLoop } from './work-loop';

describe(runWorkLoop.name, () => {
  let dir: string;
  let state: StateStore;
  let lines: Record<string, unknown>[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-loop-'));
    state = new StateStore(dir);
    await state.load();
    lines = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const unreachable = () =>
    new ServerUnreachableError(
      'https://fleet.example.com/v1/device',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );

  /** Runs the loop over scripted step outcomes, recording each wait instead of sleeping. */
  async function run(outcomes: (StepResult | Error)[]) {
    const controller = new AbortController();
    const waits: number[] = [];
    const sleeper = new Sleeper(controller.signal);
    sleeper.sleep = async (ms: number) => {
      waits.push(ms);
      return true;
    };
    const errorsSeen: (string | undefined)[] = [];
    let i = 0;
    await runWorkLoop({
      component: 'dns',
      sleeper,
      state,
      logger: new JsonLogger('debug', { write: (l: string) => lines.push(JSON.parse(l)) }),
      transient: { initialMs: 100, maxMs: 1000 },
      refused: { initialMs: 10_000, maxMs: 60_000 },
      random: () => 0,
      step: async () => {
        errorsSeen.push(state.current.errors.dns?.message);
        const outcome = outcomes[i++];
        if (i >= outcomes.length) controller.abort();
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
    });
    return { waits, errorsSeen };
  }

  it('should back off exponentially through an outage and honour Retry-After', async () => {
    const { waits } = await run([
      unreachable(),
      unreachable(),
      new ApiError(503, '503 Service Unavailable: database down', 5000),
      unreachable(),
      { waitMs: 42, settled: true },
    ]);
    expect(waits).toEqual([100, 200, 5000, 800, 42]);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => [l.kind, l.failures, l.retryInMs])).toEqual([
      ['unavailable', 1, 100],
      ['unavailable', 2, 200],
      ['unavailable', 3, 5000],
      ['unavailable', 4, 800],
    ]);
  });

  it('should use the slower schedule after a refusal and start over after a success', async () => {
    const { waits } = await run([
      new RequestRefusedError('the CA said no'),
      new RequestRefusedError('the CA said no'),
      { waitMs: 0, settled: false },
      new RequestRefusedError('the CA said no'),
      { waitMs: 1, settled: true },
    ]);
    expect(waits).toEqual([10_000, 20_000, 10_000, 1]);
    expect(lines.filter((l) => l.level === 'warn')[0]).toMatchObject({
      kind: 'refused',
      msg: 'dns: the CA said no',
    });
  });

  it('should record the last error for status and clear it at the next success', async () => {
    const { errorsSeen } = await run([
      unreachable(),
      unreachable(),
      { waitMs: 5, settled: true },
      { waitMs: 5, settled: true },
    ]);
    expect(errorsSeen).toEqual([
      undefined,
      'cannot reach https://fleet.example.com: ECONNREFUSED connect ECONNREFUSED',
      'cannot reach https://fleet.example.com: ECONNREFUSED connect ECONNREFUSED',
      undefined,
    ]);
    expect(lines.map((l) => l.msg)).toContain('dns: working again');
  });

  it('should keep the number of consecutive failures and the retry time', async () => {
    await run([unreachable(), unreachable(), unreachable()]);
    expect(state.current.errors.dns).toMatchObject({ failures: 3, retryAt: expect.any(String) });
  });
});
