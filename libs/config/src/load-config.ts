import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync, linkSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import type { AppConfig } from './app-config';
import { ConfigError } from './config-error';
import { SETTINGS, SettingsTable } from './settings';
import type { EncryptionKey } from './parsers';

type Env = Record<string, string | undefined>;
type Parsed = { [K in keyof SettingsTable]: ReturnType<SettingsTable[K]['parse']> | undefined };

/**
 * Reads and validates every setting from `env` (the process environment by default).
 * Throws a {@link ConfigError} naming every bad setting; never includes secret values.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const values = {} as Record<string, unknown>;

  for (const [key, s] of Object.entries(SETTINGS)) {
    const raw = env[s.env] !== undefined && env[s.env] !== '' ? env[s.env] : s.default;
    if (raw === undefined) {
      values[key] = undefined;
      continue;
    }
    try {
      values[key] = s.parse(raw);
    } catch (err) {
      const why = (err as Error).message;
      problems.push(`${s.env}: ${s.secret ? why.replace(/"[^"]*"/g, '(hidden)') : why}`);
    }
  }
  const v = values as Parsed;

  if (v.nodeEnv === 'production') {
    if (!v.encryptionKeys) problems.push('FLEETCERT_ENCRYPTION_KEYS: required in production');
  }
  if ((v.acmeEabKid === undefined) !== (v.acmeEabHmacKey === undefined)) {
    problems.push('FLEETCERT_ACME_EAB_KID and FLEETCERT_ACME_EAB_HMAC_KEY: set both or neither');
  }
  if (
    v.privacyDelayMinMs !== undefined &&
    v.privacyDelayMaxMs !== undefined &&
    v.privacyDelayMinMs > v.privacyDelayMaxMs
  ) {
    problems.push('FLEETCERT_PRIVACY_DELAY_MIN_MS: must not exceed FLEETCERT_PRIVACY_DELAY_MAX_MS');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = resolve(v.dataDir!);
  const encryption = v.encryptionKeys ? { keys: v.encryptionKeys } : developmentEncryptionKey(dataDir);

  return {
    env: v.nodeEnv!,
    logLevel: v.logLevel!,
    shutdownGraceMs: v.shutdownGraceMs!,
    http: {
      host: v.httpHost!,
      port: v.httpPort!,
      processes: v.apiProcesses!,
      bodyLimit: v.httpBodyLimit!,
      trustProxy: v.trustProxy!,
      shedQueueDelayMs: v.httpShedQueueDelayMs!,
    },
    database: {
      url: v.databaseUrl!,
      poolSize: v.databasePoolSize!,
      poolWaitMs: v.databasePoolWaitMs!,
      poolIdleMs: v.databasePoolIdleSeconds! * 1000,
      queryTimeoutMs: v.databaseQueryTimeoutMs!,
    },
    readCache: {
      entries: v.readCacheEntries!,
      maxBytes: v.readCacheMib! * 1024 * 1024,
      ttlMs: v.readCacheTtlMs!,
    },
    redis: { url: v.redisUrl!, prefix: v.redisPrefix! },
    encryption,
    dataDir,
    acme: {
      directoryUrl: v.acmeDirectoryUrl!,
      contactEmail: v.acmeContactEmail,
      termsAgreed: v.acmeTermsAgreed!,
      eab: v.acmeEabKid && v.acmeEabHmacKey ? { kid: v.acmeEabKid, hmacKey: v.acmeEabHmacKey } : undefined,
      caBundlePath: v.acmeCaBundle ? absolute(v.acmeCaBundle) : undefined,
      requestTimeoutMs: v.acmeRequestTimeoutMs!,
      orderTimeoutMs: v.acmeOrderTimeoutMs!,
    },
    fleet: { name: v.fleetName!, zone: v.fleetZone!, privacy: v.fleetPrivacy! },
    certificates: {
      maxIdentifiers: v.maxIdentifiers!,
      allowNonPublicIps: v.allowNonPublicIps!,
      privacyDelayMs: { min: v.privacyDelayMinMs!, max: v.privacyDelayMaxMs! },
      http01PullTimeoutMs: v.http01PullTimeoutMs!,
      challengeResponderPerMinute: v.challengeResponderRate!,
    },
    worker: {
      concurrency: v.workerConcurrency!,
      lockMs: v.workerLockMs!,
      reconcileIntervalMs: v.reconcileIntervalMs!,
      metricsPort: v.workerMetricsPort as number | null,
    },
    rateLimits: v.rateLimits!,
    renewal: {
      intervalMs: v.renewalIntervalMs!,
      batchSize: v.renewalBatchSize!,
      revokeSupersededAfterMs: v.revokeSupersededAfterMs,
    },
    dashboard: { dir: absolute(v.dashboardDir!), sessionTtlMs: v.sessionTtlHours! * 3600_000 },
    dns: {
      provider: v.dnsProvider!,
      server: v.dnsServer!,
      tsig: v.dnsTsigSecret
        ? { name: v.dnsTsigKeyName!, algorithm: v.dnsTsigAlgorithm!, secret: v.dnsTsigSecret }
        : undefined,
      ttl: v.dnsTtl!,
      timeoutMs: v.dnsTimeoutMs!,
      nameservers: v.dnsNameservers,
      propagationTimeoutMs: v.dnsPropagationTimeoutMs!,
      propagationIntervalMs: v.dnsPropagationIntervalMs!,
    },
  };
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * Outside production a missing key is generated once into the data directory (0600),
 * so a newcomer's first run needs no setup and secrets are still never stored in clear.
 */
function developmentEncryptionKey(dataDir: string): { keys: EncryptionKey[]; generatedKeyFile: string } {
  const file = join(dataDir, 'encryption.key');
  if (!existsSync(file)) createKeyFile(dataDir, file);
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new ConfigError([`${file}: expected a base64 32-byte key`]);
  return { keys: [{ id: 'local', key }], generatedKeyFile: file };
}

/**
 * Writes a new key to a file of its own, then links it into place: the key file appears
 * whole or not at all. Processes starting together (`npm start` runs the API and the
 * worker; tests run in parallel) may all find it missing; the first link wins and the
 * others read the winner's key, never a half-written file.
 */
function createKeyFile(dataDir: string, file: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(draft, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(draft);
  }
}
