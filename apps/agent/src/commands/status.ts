import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../config/agent-config';
import { readConfigFile } from '../config/config-file';
import { EXIT, STATUS_EXIT } from '../exit-codes';
import { StateStore } from '../state/state-store';
import { buildStatusReport, renderStatus, statusExitCode } from '../status/status-report';
import type { CommandIo } from './command-io';

export const STATUS_USAGE = `fleetcert-agent status [--config PATH] [--json]

Prints the installed certificates, their expiry, the next renewal and the last errors.
Exit code (monitoring-plugin convention): 0 OK, 1 WARNING (renewal overdue, or the last
attempt of something failed), 2 CRITICAL (a certificate missing, expired or in the last
tenth of its lifetime), 3 UNKNOWN (configuration or state unreadable).`;

export async function statusCommand(args: string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: 'string', default: DEFAULT_CONFIG_PATH },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${STATUS_USAGE}\n`);
    return EXIT.usage;
  }
  try {
    const { config } = await readConfigFile(values.config!);
    const state = await StateStore.read(config.stateDir);
    const report = await buildStatusReport(config, state);
    io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
    return statusExitCode(report);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (values.json)
      io.stdout.write(
        `${JSON.stringify({ level: 'unknown', headline: `FLEETCERT UNKNOWN - ${message}` })}\n`,
      );
    else io.stdout.write(`FLEETCERT UNKNOWN - ${message}\n`);
    return STATUS_EXIT.unknown;
  }
}
