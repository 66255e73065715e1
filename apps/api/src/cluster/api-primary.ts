import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { AppConfig } from '@fleetcert/config';
import { errorMessage, type Logger } from '@fleetcert/observability';
import { type ClusterAnswer, type ClusterMessage, isClusterMessage } from './cluster-messages';

/**
 * How long the primary waits for the other workers to confirm a sync marker or a drop. A
 * worker's feed gives up on a marker after its own sync timeout (2 s) and empties its caches
 * before it answers; this is for a worker that cannot answer at all.
 */
const CHECK_TIMEOUT_MS = 5_000;
/** A worker that dies is replaced after this, doubled while they keep dying young, up to 30 s. */
const RESTART_DELAY_MS = 1_000;
/** A worker up this long died of something else than its start-up: the delay starts over. */
const HEALTHY_AFTER_MS = 60_000;
/**
 * Workers that die before they ever listen, this many in a row, mean the API cannot start
 * (a database without its migrations, a port taken): the primary gives up and exits 1, as
 * a single process would, so that whatever runs it sees the failure.
 */
const MAX_FAILED_STARTS = 3;
/** On shutdown, a worker still draining requests after this is killed. */
const SHUTDOWN_GRACE_MS = 20_000;

/** A question put to every worker but one, on that one's behalf. */
interface Check {
  requester: Worker;
  waiting: Set<number>;
  timer: NodeJS.Timeout;
  /** The answer the requester gets once every other worker has answered (or is gone). */
  answer: ClusterAnswer;
}

/**
 * The primary of a clustered API (`FLEETCERT_API_PROCESSES` > 1). It serves no request
 * itself: it starts the workers, which share the port through `node:cluster`, replaces one
 * that dies, passes a shutdown signal on and waits for them to drain, and relays what the
 * workers must agree on: the sync markers and device drops that make a write visible to
 * every process before it is answered, and the metrics, summed over all of them.
 */
export function runApiPrimary(config: AppConfig, logger: Logger): void {
  const log = logger.child({ process: 'primary' });
  const metrics = new AggregatorRegistry();
  const checks = new Map<number, Check>();
  const bornAt = new Map<number, number>();
  let nextCheck = 0;
  let restartDelayMs = RESTART_DELAY_MS;
  let stopping = false;
  const listened = new Set<number>();
  let failedStarts = 0;

  const fork = () => {
    const worker = cluster.fork();
    bornAt.set(worker.id, Date.now());
    worker.on('message', (message: unknown) => {
      if (isClusterMessage(message)) void receive(worker, message);
    });
  };

  const send = (worker: Worker, message: ClusterMessage) => {
    if (worker.isConnected()) worker.send(message);
  };

  const finishCheck = (id: number) => {
    const check = checks.get(id);
    if (!check) return;
    checks.delete(id);
    clearTimeout(check.timer);
    send(check.requester, check.answer);
  };

  /** Asks every other live worker `question(id)`; `answer` goes back once they all replied. */
  const askOthers = (from: Worker, question: (id: number) => ClusterMessage, answer: ClusterAnswer) => {
    const others = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => !!w && w !== from && w.isConnected(),
    );
    const id = nextCheck++;
    const timer = setTimeout(() => {
      log.warn(
        { waitingFor: [...(checks.get(id)?.waiting ?? [])], asked: answer.fleetcert },
        'API workers did not answer in time',
      );
      finishCheck(id);
    }, CHECK_TIMEOUT_MS);
    timer.unref();
    checks.set(id, { requester: from, waiting: new Set(others.map((w) => w.id)), timer, answer });
    for (const worker of others) send(worker, question(id));
    if (others.length === 0) finishCheck(id);
  };

  const answered = (from: Worker, id: number) => {
    const check = checks.get(id);
    check?.waiting.delete(from.id);
    if (check && check.waiting.size === 0) finishCheck(id);
  };

  const receive = async (from: Worker, message: ClusterMessage): Promise<void> => {
    switch (message.fleetcert) {
      case 'sync':
        return askOthers(from, (check) => ({ fleetcert: 'sync-check', check, payload: message.payload }), {
          fleetcert: 'synced',
          request: message.request,
        });
      case 'sync-seen':
        return answered(from, message.check);
      case 'devices-changed':
        return askOthers(
          from,
          (check) => ({ fleetcert: 'drop-devices', check, deviceIds: message.deviceIds }),
          { fleetcert: 'devices-dropped', request: message.request },
        );
      case 'devices-dropped-here':
        return answered(from, message.check);
      case 'metrics': {
        try {
          send(from, {
            fleetcert: 'metrics-result',
            request: message.request,
            text: await metrics.clusterMetrics(),
          });
        } catch (err) {
          send(from, {
            fleetcert: 'metrics-result',
            request: message.request,
            error: errorMessage(err),
          });
        }
        return;
      }
    }
  };

  cluster.on('exit', (worker, code, signal) => {
    // A worker that is gone has nothing left to confirm.
    for (const [id, check] of checks) {
      if (check.requester === worker) {
        clearTimeout(check.timer);
        checks.delete(id);
      } else if (check.waiting.delete(worker.id) && check.waiting.size === 0) {
        finishCheck(id);
      }
    }
    const livedMs = Date.now() - (bornAt.get(worker.id) ?? Date.now());
    bornAt.delete(worker.id);
    const started = listened.delete(worker.id);
    if (stopping) return;
    if (!started && ++failedStarts >= MAX_FAILED_STARTS) {
      log.fatal({ failedStarts, code, signal }, 'API workers keep failing to start; giving up');
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      process.exitCode = 1;
      return;
    }
    if (livedMs >= HEALTHY_AFTER_MS) restartDelayMs = RESTART_DELAY_MS;
    log.error(
      { pid: worker.process.pid, code, signal, restartInMs: restartDelayMs },
      'API worker died; replacing it',
    );
    // A shutdown may begin meanwhile (a terminal's Ctrl-C reaches the workers first, too).
    setTimeout(() => {
      if (!stopping) fork();
    }, restartDelayMs);
    restartDelayMs = Math.min(restartDelayMs * 2, 30_000);
  });

  cluster.on('listening', (worker) => {
    listened.add(worker.id);
    failedStarts = 0;
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'API stopping: draining workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    for (const worker of workers) worker.process.kill('SIGTERM');
    const killer = setTimeout(() => {
      log.warn(
        { graceMs: SHUTDOWN_GRACE_MS },
        'API workers still running after the grace period; killing them',
      );
      for (const worker of workers) worker.process.kill('SIGKILL');
    }, SHUTDOWN_GRACE_MS);
    killer.unref();
    const exited = () => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      log.info('API stopped');
      process.exit(0);
    };
    cluster.on('exit', exited);
    exited();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  for (let i = 0; i < config.http.processes; i++) fork();
  log.info({ processes: config.http.processes, port: config.http.port }, 'API primary started its workers');
}
