import { PebbleHandle, startPebble } from './pebble';
import { environmentOf } from './process-environment';

describe('the test harness Pebble', () => {
  const started: PebbleHandle[] = [];
  afterAll(() => Promise.all(started.map((pebble) => pebble.stop())));

  async function start(options: Parameters<typeof startPebble>[0]): Promise<PebbleHandle> {
    const pebble = await startPebble(options);
    started.push(pebble);
    return pebble;
  }

  // Pebble 2.4's lock cycle between authorization reads and new orders wedges it for good,
  // and a suite with it; one Go thread makes that rare (see PebbleOptions.goMaxProcs).
  it('should run Pebble on one Go thread unless told otherwise', async () => {
    const pebble = await start({});
    expect(environmentOf(pebble.pid).get('GOMAXPROCS')).toBe('1');
  });

  it("should leave Go's default alone with goMaxProcs 'all' (the benchmark's --pebble-threads all)", async () => {
    const pebble = await start({ goMaxProcs: 'all' });
    expect(environmentOf(pebble.pid).has('GOMAXPROCS')).toBe(process.env.GOMAXPROCS !== undefined);
  });

  it('should refuse a goMaxProcs that is not a positive integer', async () => {
    await expect(startPebble({ goMaxProcs: 0 })).rejects.toThrow(/goMaxProcs/);
  });
});
