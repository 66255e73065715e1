import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '@fleetcert/config';
import { describeDatabaseUnavailable, PRISMA, PrismaClient } from '@fleetcert/db';
import { createLogger, Metrics, PinoNestLogger } from '@fleetcert/observability';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'worker', level: config.logLevel, buffered: true });
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot(config, new Metrics('worker')),
    {
      logger: new PinoNestLogger(logger),
    },
  );
  // Ends with process.exit rather than the signal raised again (Nest's default): a process
  // killed by its own signal skips the 'exit' handlers, and with them the flush of the
  // buffered log, so the lines of the shutdown itself were lost.
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  // Fail at boot, not at the first job, when the database is unreachable.
  await app.get<PrismaClient>(PRISMA).$queryRaw`SELECT 1`;
  logger.info({ acmeDirectory: config.acme.directoryUrl }, 'fleetcert worker ready');
}

main().catch((err) => {
  const reason = describeDatabaseUnavailable(err) ?? (err instanceof Error ? err.stack : String(err));
  process.stderr.write(`fleetcert worker failed to start: ${reason}\n`);
  process.exit(1);
});
