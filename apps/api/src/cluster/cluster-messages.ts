/**
 * What the processes of a clustered API say to each other over Node's IPC channel. Every
 * message carries `fleetcert` (its kind), so that other messages on the channel (prom-client's
 * own, for metrics) pass by untouched.
 */
export type ClusterMessage =
  // A worker's questions to the primary carry a `request` number; the answer carries it back.
  /** Worker → primary: wait until every other worker has seen this sync marker. */
  | { fleetcert: 'sync'; request: number; payload: string }
  /** Primary → worker: every other worker has seen it (or is gone, or timed out). */
  | { fleetcert: 'synced'; request: number }
  /** Worker → primary: these devices' rows changed here (a device's own writes); tell the others. */
  | { fleetcert: 'devices-changed'; request: number; deviceIds: string[] }
  /** Primary → worker: every other worker has dropped them (or is gone). */
  | { fleetcert: 'devices-dropped'; request: number }
  /** Worker → primary: the metrics of every worker, summed. */
  | { fleetcert: 'metrics'; request: number }
  /** Primary → worker: here they are, or why not. */
  | { fleetcert: 'metrics-result'; request: number; text?: string; error?: string }
  // The primary's questions to the other workers carry a `check` number.
  /** Primary → worker: say when your change feed has delivered this marker. */
  | { fleetcert: 'sync-check'; check: number; payload: string }
  /** Worker → primary: it has. */
  | { fleetcert: 'sync-seen'; check: number }
  /** Primary → worker: drop these devices' entries, then say so. */
  | { fleetcert: 'drop-devices'; check: number; deviceIds: string[] }
  /** Worker → primary: done. */
  | { fleetcert: 'devices-dropped-here'; check: number };

/** What the primary answers a worker's question with. */
export type ClusterAnswer = Extract<
  ClusterMessage,
  { fleetcert: 'synced' | 'devices-dropped' | 'metrics-result' }
>;

export function isClusterMessage(message: unknown): message is ClusterMessage {
  return typeof message === 'object' && message !== null && 'fleetcert' in message;
}
