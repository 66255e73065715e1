import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '@fleetcert/config';
import { PRISMA, PrismaClient } from '@fleetcert/db';
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
