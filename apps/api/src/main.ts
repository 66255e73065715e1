import 'reflect-metadata';
import { ConfigError, loadConfig } from '@fleetcert/config';
import { createLogger } from '@fleetcert/observability';
import { createApiApp } from './create-api-app';

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
  const logger = createLogger({ name: 'api', level: config.logLevel });
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
