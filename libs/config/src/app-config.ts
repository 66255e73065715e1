import type { EncryptionKey, HostPort } from './parsers';

/** The one typed configuration object, built once at boot by `loadConfig`. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  http: { host: string; port: number; bodyLimit: number; trustProxy: boolean };
  database: { url: string; poolSize: number };
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
  certificates: { maxIdentifiers: number };
  worker: { concurrency: number; lockMs: number; reconcileIntervalMs: number };
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
