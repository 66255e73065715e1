import { Sleeper } from './sleeper';

describe(Sleeper.name, () => {
  it('should resolve true after the time has passed', async () => {
    const sleeper = new Sleeper(new AbortController().signal);
    const started = Date.now();
    expect(await sleeper.sleep(30)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('should end a long sleep early when woken', async () => {
    const sleeper = new Sleeper(new AbortController().signal);
    const sleeping = sleeper.sleep(60_000);
    sleeper.wakeAll();
    expect(await sleeping).toBe(false);
  });

  it('should end a sleep on abort and not sleep at all afterwards', async () => {
    const controller = new AbortController();
    const sleeper = new Sleeper(controller.signal);
    const sleeping = sleeper.sleep(60_000);
    controller.abort();
    expect(await sleeping).toBe(false);
    expect(sleeper.stopped).toBe(true);
    expect(await sleeper.sleep(60_000)).toBe(false);
  });
});
