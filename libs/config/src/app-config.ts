import type { EncryptionKey, HostPort } from './parsers';
import type { RateLimitSpec } from '@fleetcert/ratelimit';

/** The one typed configuration object, built once at boot by `loadConfig`. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** After SIGTERM, how long work in hand runs on before its waits on the CA and DNS are cut off. */
  shutdownGraceMs: number;
  /** `processes`: API processes sharing the port through `node:cluster` (1: no cluster). */
  http: {
    host: string;
    port: number;
    processes: number;
    bodyLimit: number;
    trustProxy: boolean;
    /** Device requests are shed with 503 while even the fastest takes longer (ms); 0 = never. */
    shedQueueDelayMs: number;
  };
  /** `poolIdleMs`: how long a pooled connection may stay idle before it is closed; 0 = never. */
  database: { url: string; poolSize: number; poolWaitMs: number; poolIdleMs: number; queryTimeoutMs: number };
  /** The API's read caches of device rows (`readCache.entries` 0: off). */
  readCache: { entries: number; maxBytes: number; ttlMs: number };
  redis: { url: string; prefix: string };
  /** Secrets at rest: the first key encrypts, every key decrypts. */
  encryption: { keys: EncryptionKey[]; generatedKeyFile?: string };
  dataDir: string;
  acme: {
    directoryUrl: string;
    contactEmail?: string;
    termsAgreed: boolean;
    eab?: { kid: string; hmacKey: string };
    caBundlePath?: string;
    requestTimeoutMs: number;
    orderTimeoutMs: number;
  };
  fleet: { name: string; zone: string; privacy: 'home' | 'hosted' };
  certificates: {
    maxIdentifiers: number;
    /** Development only: accept non-public IP identifiers. */
    allowNonPublicIps: boolean;
    /** Home fleets: random delay range between a device's DNS and IP certificates. */
    privacyDelayMs: { min: number; max: number };
    http01PullTimeoutMs: number;
    challengeResponderPerMinute: number;
  };
  /** `metricsPort`: where the worker serves `/metrics` (0: any free port); null: not served. */
  worker: { concurrency: number; lockMs: number; reconcileIntervalMs: number; metricsPort: number | null };
  /** The CA's rate limits to model (resolve against the directory with `resolveRateLimits`). */
  rateLimits: RateLimitSpec;
  /** The renewal scheduler; `revokeSupersededAfterMs` unset: superseded certificates are not revoked. */
  renewal: { intervalMs: number; batchSize: number; revokeSupersededAfterMs?: number };
  /** The operator dashboard: where its built assets are, how long a sign-in lasts. */
  dashboard: { dir: string; sessionTtlMs: number };
  dns: {
    provider: 'rfc2136';
    server: HostPort;
    tsig?: { name: string; algorithm: 'hmac-sha256' | 'hmac-sha512'; secret: string };
    ttl: number;
    timeoutMs: number;
    nameservers?: HostPort[];
    propagationTimeoutMs: number;
    propagationIntervalMs: number;
  };
}

/** Nest injection token for {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
