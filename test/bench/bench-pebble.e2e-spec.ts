import {
  DEFAULT_PEBBLE_THREADS,
  describePebbleThreads,
  parsePebbleThreads,
  startBenchPebble,
} from '../../bench/support/bench-stack';
import type { PebbleHandle } from '../support/pebble';
import { environmentOf } from '../support/process-environment';

// The benchmark's Pebbles (`npm run bench -- --pebble-threads N|all`): one Go thread by
// default, where Pebble 2.4's lock cycle rarely wedges it (BENCHMARKS.md item 94).

const goMaxProcsOf = (pid: number) => environmentOf(pid).get('GOMAXPROCS');

describe('the benchmark Pebble', () => {
  const started: PebbleHandle[] = [];
  afterAll(() => Promise.all(started.map((pebble) => pebble.stop())));
  // Pebble only resolves through this server when it validates; nothing here validates.
  const bind = { host: '127.0.0.1', port: 53 };

  it('should run on one Go thread by default', async () => {
    const pebble = await startBenchPebble(bind, parsePebbleThreads(String(DEFAULT_PEBBLE_THREADS)));
    started.push(pebble);
    expect(goMaxProcsOf(pebble.pid)).toBe('1');
  });

  it('should run on the threads asked for, and on Go\'s default with "all"', async () => {
    const two = await startBenchPebble(bind, parsePebbleThreads('2'));
    started.push(two);
    expect(goMaxProcsOf(two.pid)).toBe('2');
    const all = await startBenchPebble(bind, parsePebbleThreads('all'));
    started.push(all);
    expect(goMaxProcsOf(all.pid)).toBe(process.env.GOMAXPROCS);
  });

  it.each(['0', '-1', '1.5', 'one', '', '2x'])('should refuse --pebble-threads %p', (value) => {
    expect(() => parsePebbleThreads(value)).toThrow(/--pebble-threads must be a positive integer or "all"/);
  });

  it('should name the setting in the report', () => {
    expect(describePebbleThreads(1)).toBe('GOMAXPROCS=1');
    expect(describePebbleThreads('all')).toBe("Go's default threads (every core)");
  });
});
