import 'reflect-metadata';
import cluster from 'node:cluster';
import { loadConfigOrExit } from '@fleetcert/config';
import { describeDatabaseUnavailable } from '@fleetcert/db';
import { createLogger } from '@fleetcert/observability';
import { runApiPrimary } from './cluster/api-primary';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.http.processes > 1 && cluster.isPrimary) {
    // A few lines a day: written as they come.
    return runApiPrimary(config, createLogger({ name: 'api', level: config.logLevel }));
  }
  const logger = createLogger({ name: 'api', level: config.logLevel, buffered: true });
  const app = await createApiApp(config, logger);
  await app.listen({ host: config.http.host, port: config.http.port });
  if (cluster.isWorker) {
    // Without its primary, a worker no longer gets connections: stop (and drain) too.
    process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  logger.info(
    {
      url: `http://${config.http.host}:${config.http.port}`,
      acmeDirectory: config.acme.directoryUrl,
      zone: config.fleet.zone,
      ...(cluster.isWorker && { worker: cluster.worker?.id }),
    },
    'fleetcert API listening',
  );
}

main().catch((err) => {
  const reason = describeDatabaseUnavailable(err) ?? (err instanceof Error ? err.stack : String(err));
  process.stderr.write(`fleetcert API failed to start: ${reason}\n`);
  process.exit(1);
});
