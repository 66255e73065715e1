import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { ConfigError, ConfigModule, loadConfig } from '@fleetcert/config';
import { DbModule } from '@fleetcert/db';
import { createLogger, errorMessage, PinoNestLogger } from '@fleetcert/observability';
import { OperatorsService } from './admin/api-keys/operators.service';

const USAGE = `Usage: npm run operator:create -- --name NAME [--role admin|viewer]

Creates an operator and prints its first API key (shown once; only its hash is stored).`;

/**
 * Administrative commands run on the server host, e.g. creating the first operator,
 * which no API call can do because every admin call needs an operator key already.
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'operator:create') {
    process.stderr.write(`${USAGE}\n`);
    return 64; // EX_USAGE
  }
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: 'string' }, role: { type: 'string', default: 'admin' } },
  });
  if (
    !values.name ||
    !/^[a-z0-9][a-z0-9._@-]{0,63}$/.test(values.name) ||
    !['admin', 'viewer'].includes(values.role!)
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const config = loadConfig();
  const logger = createLogger({ name: 'cli', level: 'warn' });

  @Module({ imports: [ConfigModule.forRoot(config), DbModule], providers: [OperatorsService] })
  class CliModule {}

  const app = await NestFactory.createApplicationContext(CliModule, { logger: new PinoNestLogger(logger) });
  try {
    const created = await app
      .get(OperatorsService)
      .createOperator({ kind: 'system' }, values.name, values.role as 'admin' | 'viewer');
    process.stdout.write(
      `Created operator "${created.name}" (${created.role}).\n` +
        `API key (shown once, store it now):\n\n  ${created.apiKey.key}\n\n` +
        `Use it as: curl -H "Authorization: Bearer $KEY" http://${config.http.host}:${config.http.port}/v1/admin/devices\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`${errorMessage(err)}\n`);
    process.exit(1);
  },
);
