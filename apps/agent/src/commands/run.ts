import { parseArgs } from 'node:util';
import { Agent } from '../agent/agent';
import { isRetryableSoon } from '../agent/work-loop';
import { DEFAULT_CONFIG_PATH } from '../config/agent-config';
import { readConfigFile } from '../config/config-file';
import { ConfigError } from '../config/config-error';
import { EXIT } from '../exit-codes';
import { AlreadyRunningError } from '../fs/run-lock';
import { createLogger } from '../log/logger';
import type { CommandIo } from './command-io';

export const RUN_USAGE = `fleetcert-agent run [--config PATH] [--once]

Keeps the device's addresses reported and its certificates current. Runs until SIGTERM
or SIGINT; SIGHUP makes it look at everything again now. With --once it does one pass
(waiting for requests in flight) and exits: 0 when all is current, 69 when the server
was unreachable, 1 when something was refused.`;

/** Signals the command reacts to; `process` in production, an emitter in tests. */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown;
}

export async function runCommand(args: string[], io: CommandIo, signals: SignalSource): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: 'string', default: DEFAULT_CONFIG_PATH },
        once: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${RUN_USAGE}\n`);
    return EXIT.usage;
  }

  let loaded;
  try {
    loaded = await readConfigFile(values.config!);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`${err.message}\n`);
    return EXIT.config;
  }
  const logger = createLogger(loaded.config.logLevel, io.stdout);
  for (const warning of loaded.warnings) logger.warn(warning);

  let agent: Agent;
  try {
    agent = await Agent.create(loaded.config, { logger });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`${err.message}\n`);
      return EXIT.config;
    }
    if (err instanceof AlreadyRunningError) {
      io.stderr.write(`${err.message}\n`);
      return EXIT.alreadyRunning;
    }
    throw err;
  }

  const controller = new AbortController();
  const stop = () => {
    if (!controller.signal.aborted) logger.info('stopping');
    controller.abort();
  };
  const wake = () => {
    logger.info('SIGHUP: checking everything now');
    agent.wake();
  };
  signals.on('SIGTERM', stop);
  signals.on('SIGINT', stop);
  signals.on('SIGHUP', wake);
  try {
    if (!values.once) {
      await agent.run(controller.signal);
      return EXIT.ok;
    }
    const { failures } = await agent.runOnce(controller.signal);
    if (failures.length === 0) return EXIT.ok;
    return failures.every((f) => isRetryableSoon(f.error)) ? EXIT.unavailable : EXIT.failure;
  } catch (err) {
    logger.error(err instanceof Error ? err.message : String(err));
    return EXIT.failure;
  } finally {
    signals.off('SIGTERM', stop);
    signals.off('SIGINT', stop);
    signals.off('SIGHUP', wake);
  }
}
