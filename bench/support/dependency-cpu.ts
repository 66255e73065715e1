import type Redis from 'ioredis';
import type { Client } from 'pg';
import { cpuSeconds } from './proc';

/**
 * CPU seconds that the Postgres backends serving one database used over a window: the
 * connections of fleetcert's API and worker (and nobody else's: the database is the
 * benchmark's own). Backends are found in `pg_stat_activity` every `intervalMs`; one that
 * opened during the window counts from zero, one that closed keeps its last sample. The
 * querying connection itself is left out.
 */
export class PostgresBackendCpu {
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, number>();
  #timer?: NodeJS.Timeout;
  #sampling?: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly database: string,
    private readonly intervalMs = 500,
  ) {}

  async start(): Promise<this> {
    await this.#sample(true);
    this.#timer = setInterval(() => {
      // A failed periodic sample only loses resolution; stop() samples again and reports errors.
      this.#sampling ??= this.#sample(false)
        .catch(() => undefined)
        .finally(() => (this.#sampling = undefined));
    }, this.intervalMs);
    return this;
  }

  /** Stops sampling without a result (after a failed run). */
  cancel(): void {
    clearInterval(this.#timer);
  }

  async stop(): Promise<number> {
    clearInterval(this.#timer);
    await this.#sampling;
    await this.#sample(false);
    let total = 0;
    for (const [pid, last] of this.#last) total += last - (this.#first.get(pid) ?? 0);
    return total;
  }

  async #sample(baseline: boolean): Promise<void> {
    const { rows } = await this.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      [this.database],
    );
    for (const { pid } of rows) {
      const used = cpuSeconds(pid);
      if (used === undefined) continue;
      if (baseline) this.#first.set(pid, used);
      this.#last.set(pid, used);
    }
  }
}

/**
 * CPU seconds of the whole Redis server over a window (`INFO cpu`). Redis is shared with
 * anything else on the machine, so this is an upper bound on fleetcert's share.
 */
export class RedisServerCpu {
  #start = 0;

  constructor(private readonly redis: Redis) {}

  async start(): Promise<this> {
    this.#start = await this.#read();
    return this;
  }

  async stop(): Promise<number> {
    return (await this.#read()) - this.#start;
  }

  async #read(): Promise<number> {
    const info = await this.redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return field('used_cpu_user') + field('used_cpu_sys');
  }
}
