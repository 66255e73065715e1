import { enrollCommand, ENROLL_USAGE } from './commands/enroll';
import type { CommandIo } from './commands/command-io';
import { runCommand, RUN_USAGE, SignalSource } from './commands/run';
import { statusCommand, STATUS_USAGE } from './commands/status';
import { EXIT } from './exit-codes';
import { AGENT_VERSION } from './version';

const USAGE = `fleetcert-agent ${AGENT_VERSION}: keeps this device's fleetcert certificates current.

Commands:
  enroll   store the server URL and device token (run once)
  run      keep addresses reported and certificates renewed (the service)
  status   print certificates, expiry, next renewal, last errors (exit codes for monitoring)

${ENROLL_USAGE}

${RUN_USAGE}

${STATUS_USAGE}`;

/** Dispatches `fleetcert-agent <command> ...` and returns the exit code. */
export async function runCli(argv: string[], io: CommandIo, signals: SignalSource): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'enroll':
      return enrollCommand(rest, io);
    case 'run':
      return runCommand(rest, io, signals);
    case 'status':
      return statusCommand(rest, io);
    case '--version':
    case 'version':
      io.stdout.write(`${AGENT_VERSION}\n`);
      return EXIT.ok;
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    default:
      io.stderr.write(`${command ? `unknown command "${command}"\n\n` : ''}${USAGE}\n`);
      return EXIT.usage;
  }
}
