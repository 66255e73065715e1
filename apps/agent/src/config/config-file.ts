import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE, writeFileAtomic } from '../fs/atomic-write';
import type { AgentConfig } from './agent-config';
import { ConfigError } from './config-error';
import { parseAgentConfig } from './parse-config';

export interface LoadedConfig {
  config: AgentConfig;
  /** Things worth a warning that do not stop the agent (e.g. a config readable by others). */
  warnings: string[];
}

/**
 * Reads and validates the configuration file.
 *
 * @throws ConfigError when it is missing, not JSON or invalid
 */
export async function readConfigFile(path: string): Promise<LoadedConfig> {
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mode)]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'it does not exist (run `fleetcert-agent enroll` first, or pass --config)'
        : code === 'EACCES'
          ? 'permission denied (run as the user that enrolled)'
          : (err as Error).message;
    throw new ConfigError(path, [`cannot read the file: ${why}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  const config = parseAgentConfig(raw, path);
  const warnings: string[] = [];
  if ((mode & 0o077) !== 0) {
    warnings.push(
      `${path} is readable by other users (mode ${(mode & 0o777).toString(8)}) and holds the device token: chmod 600 it`,
    );
  }
  return { config, warnings };
}

/**
 * Writes a configuration file (validated first) atomically with mode 0600, creating its
 * directory (0700) when needed.
 *
 * @throws ConfigError when `raw` is not a valid configuration
 */
export async function writeConfigFile(path: string, raw: Record<string, unknown>): Promise<AgentConfig> {
  const config = parseAgentConfig(raw, path);
  await ensurePrivateDirectory(dirname(path));
  await writeFileAtomic(path, `${JSON.stringify(raw, null, 2)}\n`, PRIVATE_FILE_MODE);
  return config;
}
