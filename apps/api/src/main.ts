import 'reflect-metadata';
import { loadConfigOrExit } from '@fleetcert/config';
import { createLogger } from '@fleetcert/observability';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'api', level: config.logLevel, buffered: true });
  const app = await createApiApp(config, logger);
  await app.listen({ host: config.http.host, port: config.http.port });
  logger.info(
    {
      url: `http://${config.http.host}:${config.http.port}`,
      acmeDirectory: config.acme.directoryUrl,
      zone: config.fleet.zone,
    },
    'fleetcert API listening',
  );
}

main().catch((err) => {
  process.stderr.write(`fleetcert API failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
