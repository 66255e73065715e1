import type { Client } from 'pg';
import { PebbleStallError, STALL_MS } from './pebble-stall';

/**
 * Waits until every certificate request in `ids` has ended (`valid` or `failed`), reading
 * the bench database every 100 ms. Throws {@link PebbleStallError} after a minute in which
 * none ended, and a timeout error after `timeoutMs`. Returns how many ended `failed`.
 */
export async function waitForRequests(
  pg: Client,
  ids: readonly string[],
  what: string,
  timeoutMs: number,
): Promise<{ failed: number }> {
  const deadline = Date.now() + timeoutMs;
  let done = 0;
  let progressAt = Date.now();
  for (;;) {
    const { rows } = await pg.query<{ done: string; failed: string }>(
      `SELECT count(*) FILTER (WHERE status IN ('valid', 'failed')) AS done,
              count(*) FILTER (WHERE status = 'failed') AS failed
         FROM certificate_requests WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    if (Number(rows[0].done) === ids.length) return { failed: Number(rows[0].failed) };
    if (Number(rows[0].done) > done) [done, progressAt] = [Number(rows[0].done), Date.now()];
    if (Date.now() - progressAt > STALL_MS) throw new PebbleStallError(what, done, ids.length);
    if (Date.now() > deadline) throw new Error(`${what}: ${done}/${ids.length} finished before the timeout`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
