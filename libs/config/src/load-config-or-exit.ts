import type { AppConfig } from './app-config';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

/**
 * For process entry points: the configuration, or the list of every bad setting on stderr
 * and exit code 78 (EX_CONFIG), so that a supervisor does not restart a misconfigured
 * process in a loop without saying why.
 */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
