import DataLoader from 'dataloader';

/** The most calls one batch carries. */
const MAX_BATCH = 64;

/**
 * Calls made in the same turn of the event loop, run as one batch (DataLoader, caching off).
 * Under load, one statement or one Redis round trip then serves the many requests that
 * reached it together: one socket write, one result to parse, one commit, instead of one
 * each. A lone call waits for nothing but the end of the current turn (`setImmediate`).
 *
 * `run` gets the batch's keys and answers with one result per key, in their order; an
 * `Error` in its place fails that call alone, a thrown error every call of the batch.
 * `onBatch` is told each batch's size (the `fleetcert_batch_size` metric).
 */
export function batchPerTurn<K, V>(
  run: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
  onBatch?: (size: number) => void,
): DataLoader<K, V> {
  const observed = onBatch
    ? (keys: readonly K[]) => {
        onBatch(keys.length);
        return run(keys);
      }
    : run;
  return new DataLoader(observed, {
    cache: false,
    maxBatchSize: MAX_BATCH,
    batchScheduleFn: (dispatch) => setImmediate(dispatch),
  });
}
