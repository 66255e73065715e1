import { BenchDatabase, createBenchDatabase } from './bench-stack';
import { FleetcertProcess, StartOptions, startFleetcertProcess } from './fleetcert-process';
import { runsOnce } from './on-interrupt';

/**
 * The API and worker processes and the bench databases one run of `npm run bench` starts,
 * in every part, so that {@link takeDown} leaves none behind: when the run ends, fails, or is
 * interrupted in any part (the fleet-scale part's database holds 100,000 devices).
 *
 * Once the take-down has begun nothing new starts, and a process or database that comes up
 * meanwhile is taken down at once: a worker left running would outlive the benchmark and
 * refill its Redis keys.
 */
export class RunResources {
  readonly #processes = new Set<FleetcertProcess>();
  readonly #databases = new Set<BenchDatabase>();
  readonly #starting = new Set<Promise<unknown>>();
  #stopping = false;

  constructor(private readonly log: (line: string) => void) {}

  /** {@link startFleetcertProcess}, stopped by {@link takeDown} if still running then. */
  launch(options: StartOptions): Promise<FleetcertProcess> {
    return this.#track(
      `the ${options.app}`,
      () => startFleetcertProcess(options),
      this.#processes,
      (p) => p.stop(),
    );
  }

  /** {@link createBenchDatabase}, dropped (with its Redis keys) by {@link takeDown}. */
  createDatabase(tag: string): Promise<BenchDatabase> {
    return this.#track(
      `a ${tag} database`,
      () => createBenchDatabase(tag),
      this.#databases,
      (db) => db.drop(),
    );
  }

  /**
   * Stops every process, then drops every database (dropping an already dropped one, or
   * stopping a stopped process, does nothing). Runs once, however often it is called.
   */
  readonly takeDown = runsOnce(async () => {
    this.#stopping = true;
    await Promise.allSettled(this.#starting);
    await Promise.all([...this.#processes].map((p) => p.stop()));
    for (const db of this.#databases) {
      await db.drop().catch((err: Error) => this.log(`could not drop ${db.name}: ${err.message}`));
    }
  });

  async #track<T>(
    what: string,
    begin: () => Promise<T>,
    into: Set<T>,
    undo: (started: T) => Promise<void>,
  ): Promise<T> {
    if (this.#stopping) throw new Error(`not starting ${what}: the run is stopping`);
    const start = begin();
    this.#starting.add(start);
    try {
      const started = await start;
      into.add(started);
      if (this.#stopping) {
        await undo(started);
        throw new Error(`took down ${what} it had just started: the run is stopping`);
      }
      return started;
    } finally {
      this.#starting.delete(start);
    }
  }
}
