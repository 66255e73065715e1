import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@fleetcert/config';
import { PRISMA, PrismaClient } from '@fleetcert/db';
import { createLogger, Metrics, PinoNestLogger } from '@fleetcert/observability';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger({ name: 'worker', level: config.logLevel });
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot(config, new Metrics('worker')),
    {
      logger: new PinoNestLogger(logger),
    },
  );
  app.enableShutdownHooks();
  // Fail at boot, not at the first job, when the database is unreachable.
  await app.get<PrismaClient>(PRISMA).$queryRaw`SELECT 1`;
  logger.info({ acmeDirectory: config.acme.directoryUrl }, 'fleetcert worker ready');
}

main().catch((err) => {
  process.stderr.write(
    `fleetcert worker failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
