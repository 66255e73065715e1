/**
 * Every setting fleetcert reads, with its environment variable, default and parser.
 * This table is the single source for the loader (`load-config.ts`) and for the
 * configuration table in the README (checked by `settings.spec.ts`).
 */
import { parsers as p } from './parsers';
import { parseRateLimitSpec } from '@fleetcert/ratelimit';

export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';

export interface Setting<T> {
  env: string;
  /** Default as the string the environment would hold; `undefined` means the setting is optional. */
  default?: string;
  /** Required: a missing value is an error (unless a default is given). */
  required?: boolean;
  /** Never printed, never logged. */
  secret?: boolean;
  doc: string;
  parse: (raw: string) => T;
}

function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

export const SETTINGS = {
  nodeEnv: setting({
    env: 'NODE_ENV',
    default: 'development',
    doc: '`production` turns on the production safeguards (explicit encryption keys, no development shortcuts).',
    parse: p.oneOf(['development', 'production', 'test']),
  }),
  logLevel: setting({
    env: 'FLEETCERT_LOG_LEVEL',
    default: 'info',
    doc: 'Log level of the JSON logs (`fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`).',
    parse: p.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
  httpHost: setting({
    env: 'FLEETCERT_HTTP_HOST',
    default: '127.0.0.1',
    doc: 'Address the API listens on (`0.0.0.0` to serve other hosts).',
    parse: p.string(),
  }),
  httpPort: setting({
    env: 'FLEETCERT_HTTP_PORT',
    default: '3000',
    doc: 'Port the API listens on.',
    parse: p.port(),
  }),
  apiProcesses: setting({
    env: 'FLEETCERT_API_PROCESSES',
    default: '1',
    doc: "API processes serving the one port (`node:cluster`). One core runs about one process: on a dedicated host, set it to the cores the API may use. Each has its own database pool and read caches; metrics are summed across them, and a write is answered only once every process's caches reflect it.",
    parse: p.int({ min: 1, max: 64 }),
  }),
  httpBodyLimit: setting({
    env: 'FLEETCERT_HTTP_BODY_LIMIT',
    default: '65536',
    doc: 'Largest request body in bytes; larger bodies get 413.',
    parse: p.int({ min: 1024, max: 10 * 1024 * 1024 }),
  }),
  trustProxy: setting({
    env: 'FLEETCERT_HTTP_TRUST_PROXY',
    default: 'false',
    doc: 'Trust `X-Forwarded-For` from a reverse proxy in front of the API.',
    parse: p.bool(),
  }),
  httpShedQueueDelayMs: setting({
    env: 'FLEETCERT_HTTP_SHED_QUEUE_DELAY_MS',
    default: '1000',
    doc: 'While even the fastest device request of each 100 ms takes longer than this, device requests get 503 with a random `Retry-After` instead of queueing (see Overload). `0` turns it off.',
    parse: p.int({ min: 0, max: 60000 }),
  }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    default: 'postgresql://postgres@127.0.0.1:5432/fleetcert',
    secret: true,
    doc: 'PostgreSQL connection URL (the system of record).',
    parse: p.url(['postgres:', 'postgresql:']),
  }),
  databasePoolSize: setting({
    env: 'FLEETCERT_DATABASE_POOL_SIZE',
    default: '10',
    doc: 'Connections per process to PostgreSQL.',
    parse: p.int({ min: 1, max: 200 }),
  }),
  databasePoolWaitMs: setting({
    env: 'FLEETCERT_DATABASE_POOL_WAIT_MS',
    default: '10000',
    doc: 'Longest wait for a free pooled connection; a request that waits longer gets 503 with `Retry-After` instead of hanging.',
    parse: p.int({ min: 100, max: 600000 }),
  }),
  databaseQueryTimeoutMs: setting({
    env: 'FLEETCERT_DATABASE_QUERY_TIMEOUT_MS',
    default: '30000',
    doc: "Longest wait for PostgreSQL's answer to one statement; then the connection is given up as dead and closed, and the request answers 503. Bounds the wait when the database's host stops answering without closing connections (a network partition, a frozen host), which would otherwise hold a request and its connection until TCP gives up (~15 min). `0` waits forever (pg's default).",
    parse: p.int({ min: 0, max: 3600000 }),
  }),
  databasePoolIdleSeconds: setting({
    env: 'FLEETCERT_DATABASE_POOL_IDLE_SECONDS',
    default: '300',
    doc: "How long a pooled connection may stay idle before it is closed; `0` keeps them open. A new connection costs PostgreSQL 40–80 ms of CPU (BENCHMARKS.md, nineteenth pass) before it runs the hot statements at full speed (a new backend, its catalog caches, its statement plans), so a short idle time makes the first burst after every quiet spell slower (pg's own default is 10 s).",
    parse: p.int({ min: 0, max: 86400 }),
  }),
  readCacheEntries: setting({
    env: 'FLEETCERT_READ_CACHE_ENTRIES',
    default: '20000',
    doc: "Entries in each of the API's in-memory read caches (authenticated device tokens, device certificate requests); `0` turns them off. Kept exact by Postgres change notifications.",
    parse: p.int({ min: 0, max: 1000000 }),
  }),
  readCacheMib: setting({
    env: 'FLEETCERT_READ_CACHE_MIB',
    default: '24',
    doc: "Memory each read cache may hold (MiB, estimated from its entries: a cached request holds its certificate chain). Counts against the API's heap limit.",
    parse: p.int({ min: 1, max: 4096 }),
  }),
  readCacheTtlMs: setting({
    env: 'FLEETCERT_READ_CACHE_TTL_MS',
    default: '60000',
    doc: 'Longest a read-cache entry is served even without a change notification (a safety net for changes made with triggers disabled).',
    parse: p.int({ min: 100, max: 3600000 }),
  }),
  redisUrl: setting({
    env: 'REDIS_URL',
    default: 'redis://127.0.0.1:6379',
    secret: true,
    doc: 'Redis connection URL (the BullMQ work transport).',
    parse: p.url(['redis:', 'rediss:']),
  }),
  redisPrefix: setting({
    env: 'FLEETCERT_REDIS_PREFIX',
    default: 'fleetcert',
    doc: 'Prefix of every Redis key fleetcert writes, so one Redis can serve several installations.',
    parse: p.pattern(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - (at most 64)'),
  }),
  encryptionKeys: setting({
    env: 'FLEETCERT_ENCRYPTION_KEYS',
    secret: true,
    doc: 'Keys that encrypt secrets at rest (AES-256-GCM), as `id:base64key,...` with 32-byte keys; the first one encrypts, all decrypt (rotation). Required in production; elsewhere a key is generated into `FLEETCERT_DATA_DIR`.',
    parse: p.encryptionKeys(),
  }),
  dataDir: setting({
    env: 'FLEETCERT_DATA_DIR',
    default: '.fleetcert',
    doc: 'Directory for local state outside the database (the development encryption key).',
    parse: p.string(),
  }),
  acmeDirectoryUrl: setting({
    env: 'FLEETCERT_ACME_DIRECTORY_URL',
    default: LETS_ENCRYPT_STAGING,
    doc: "ACME directory of the CA. Defaults to Let's Encrypt **staging**; production must be chosen explicitly.",
    parse: p.url(['https:', 'http:']),
  }),
  acmeContactEmail: setting({
    env: 'FLEETCERT_ACME_CONTACT_EMAIL',
    doc: 'Contact address registered with the ACME account (expiry and policy mail from the CA).',
    parse: p.email(),
  }),
  acmeTermsAgreed: setting({
    env: 'FLEETCERT_ACME_TERMS_AGREED',
    default: 'false',
    doc: "Set to `true` to agree to the CA's terms of service when the account is created.",
    parse: p.bool(),
  }),
  acmeEabKid: setting({
    env: 'FLEETCERT_ACME_EAB_KID',
    doc: 'External account binding key id, for CAs that require it (ZeroSSL, Google Trust Services).',
    parse: p.string(),
  }),
  acmeEabHmacKey: setting({
    env: 'FLEETCERT_ACME_EAB_HMAC_KEY',
    secret: true,
    doc: 'External account binding HMAC key (base64url), with `FLEETCERT_ACME_EAB_KID`.',
    parse: p.string(),
  }),
  acmeCaBundle: setting({
    env: 'FLEETCERT_ACME_CA_BUNDLE',
    doc: "PEM file of extra CA certificates to trust for the ACME directory's TLS (private CAs, Pebble).",
    parse: p.string(),
  }),
  fleetName: setting({
    env: 'FLEETCERT_FLEET_NAME',
    default: 'default',
    doc: 'Name of the fleet created at boot for the zone below.',
    parse: p.pattern(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a lower-case name of letters, digits and -'),
  }),
  fleetZone: setting({
    env: 'FLEETCERT_FLEET_ZONE',
    default: 'devices.fleetcert.test',
    doc: 'DNS zone under which every device gets a random label (`<label>.<zone>`).',
    parse: p.dnsName(),
  }),
  fleetPrivacy: setting({
    env: 'FLEETCERT_FLEET_PRIVACY',
    default: 'home',
    doc: '`home` (the default) keeps device names and home IP addresses apart in Certificate Transparency; `hosted` relaxes that.',
    parse: p.oneOf(['home', 'hosted']),
  }),
  dnsProvider: setting({
    env: 'FLEETCERT_DNS_PROVIDER',
    default: 'rfc2136',
    doc: 'DNS provider that writes the zone (`rfc2136`).',
    parse: p.oneOf(['rfc2136']),
  }),
  dnsServer: setting({
    env: 'FLEETCERT_DNS_SERVER',
    default: '127.0.0.1:53',
    doc: 'Primary nameserver that accepts RFC 2136 updates, as `host:port`.',
    parse: p.hostPort(),
  }),
  dnsTsigKeyName: setting({
    env: 'FLEETCERT_DNS_TSIG_KEY_NAME',
    default: 'fleetcert',
    doc: 'Name of the TSIG key that signs updates.',
    parse: p.dnsName(),
  }),
  dnsTsigAlgorithm: setting({
    env: 'FLEETCERT_DNS_TSIG_ALGORITHM',
    default: 'hmac-sha256',
    doc: 'TSIG algorithm: `hmac-sha256` or `hmac-sha512`.',
    parse: p.oneOf(['hmac-sha256', 'hmac-sha512']),
  }),
  dnsTsigSecret: setting({
    env: 'FLEETCERT_DNS_TSIG_SECRET',
    secret: true,
    doc: 'TSIG secret (base64, as `tsig-keygen` prints it). Without it address updates answer 503.',
    parse: p.base64(),
  }),
  dnsTtl: setting({
    env: 'FLEETCERT_DNS_TTL',
    default: '60',
    doc: 'TTL in seconds of the records fleetcert writes.',
    parse: p.int({ min: 1, max: 86400 }),
  }),
  dnsTimeoutMs: setting({
    env: 'FLEETCERT_DNS_TIMEOUT_MS',
    default: '3000',
    doc: 'Time to wait for one DNS answer before it counts as unreachable.',
    parse: p.int({ min: 100, max: 60000 }),
  }),
  dnsNameservers: setting({
    env: 'FLEETCERT_DNS_NAMESERVERS',
    doc: "Authoritative nameservers to check propagation on, as `host:port,...`; by default the zone's NS records.",
    parse: p.list(p.hostPort()),
  }),
  maxIdentifiers: setting({
    env: 'FLEETCERT_MAX_IDENTIFIERS',
    default: '10',
    doc: 'Most identifiers (names and addresses) one CSR may ask for.',
    parse: p.int({ min: 1, max: 100 }),
  }),
  acmeRequestTimeoutMs: setting({
    env: 'FLEETCERT_ACME_TIMEOUT_MS',
    default: '30000',
    doc: 'Timeout of one HTTP request to the ACME server.',
    parse: p.int({ min: 1000, max: 300000 }),
  }),
  acmeOrderTimeoutMs: setting({
    env: 'FLEETCERT_ACME_ORDER_TIMEOUT_MS',
    default: '600000',
    doc: 'How long one attempt may wait for authorizations and the order to become valid.',
    parse: p.int({ min: 5000, max: 3600000 }),
  }),
  dnsPropagationTimeoutMs: setting({
    env: 'FLEETCERT_DNS_PROPAGATION_TIMEOUT_MS',
    default: '120000',
    doc: 'How long to wait for every authoritative nameserver to serve a challenge record.',
    parse: p.int({ min: 1000, max: 3600000 }),
  }),
  dnsPropagationIntervalMs: setting({
    env: 'FLEETCERT_DNS_PROPAGATION_INTERVAL_MS',
    default: '250',
    doc: 'Pause between two rounds of propagation queries.',
    parse: p.int({ min: 10, max: 60000 }),
  }),
  workerConcurrency: setting({
    env: 'FLEETCERT_WORKER_CONCURRENCY',
    default: '32',
    doc: 'Orders one worker process runs at the same time (they mostly wait on the CA and DNS).',
    parse: p.int({ min: 1, max: 1000 }),
  }),
  workerLockMs: setting({
    env: 'FLEETCERT_WORKER_LOCK_MS',
    default: '30000',
    doc: 'Job lock duration: a worker that dies holding a job has it taken over after about this long.',
    parse: p.int({ min: 1000, max: 600000 }),
  }),
  shutdownGraceMs: setting({
    env: 'FLEETCERT_SHUTDOWN_GRACE_MS',
    default: '5000',
    doc: "On SIGTERM, how long work in hand (a worker's orders, the API's requests) may run on; then waits on the CA and on DNS are cut off: orders go back to the queue, to resume on the next worker, and requests answer 503. Keep it under your supervisor's stop timeout (Docker 10 s).",
    parse: p.int({ min: 0, max: 600000 }),
  }),
  workerMetricsPort: setting({
    env: 'FLEETCERT_WORKER_METRICS_PORT',
    default: '9464',
    doc: 'Port on which each worker process serves its Prometheus metrics (`GET /metrics`: orders, ACME errors, DNS propagation, rate-limit deferrals, renewals), on `FLEETCERT_HTTP_HOST`; `0` picks a free port (logged), `off` serves none.',
    parse: (raw: string) => (raw.trim().toLowerCase() === 'off' ? null : p.port()(raw)),
  }),
  reconcileIntervalMs: setting({
    env: 'FLEETCERT_RECONCILE_INTERVAL_MS',
    default: '60000',
    doc: 'How often the worker re-enqueues unfinished requests that have no job (after a Redis loss).',
    parse: p.int({ min: 1000, max: 3600000 }),
  }),
  rateLimits: setting({
    env: 'FLEETCERT_RATE_LIMITS',
    default: 'auto',
    doc: "CA rate limits to stay under: a preset (`auto` — Let's Encrypt staging's for its staging directory, Let's Encrypt's for any other CA —, `letsencrypt`, `letsencrypt-staging`, `none`), then optional overrides `limit=count/period[:capacity]` or `limit=off`, e.g. `letsencrypt,newOrdersPerAccount=1500/3h`.",
    parse: parseRateLimitSpec,
  }),
  renewalIntervalMs: setting({
    env: 'FLEETCERT_RENEWAL_INTERVAL_MS',
    default: '60000',
    doc: 'How often the renewal scheduler looks for certificates due for renewal, an ARI poll or revocation (one pass per interval across all workers).',
    parse: p.int({ min: 100, max: 3600000 }),
  }),
  renewalBatchSize: setting({
    env: 'FLEETCERT_RENEWAL_BATCH_SIZE',
    default: '500',
    doc: 'Certificates the renewal scheduler claims per database round trip.',
    parse: p.int({ min: 1, max: 10000 }),
  }),
  revokeSupersededAfterMs: setting({
    env: 'FLEETCERT_REVOKE_SUPERSEDED_AFTER_MS',
    doc: 'Revoke a certificate this long after a newer one replaced it (reason `superseded`), leaving the device time to switch; unset: never revoke superseded certificates.',
    parse: p.int({ min: 0, max: 90 * 24 * 3600 * 1000 }),
  }),
  dashboardDir: setting({
    env: 'FLEETCERT_DASHBOARD_DIR',
    default: 'apps/dashboard/dist',
    doc: 'Directory of the built operator dashboard, served at `/` (`npm run build` writes it).',
    parse: p.string(),
  }),
  sessionTtlHours: setting({
    env: 'FLEETCERT_SESSION_TTL_HOURS',
    default: '12',
    doc: 'Lifetime of a dashboard sign-in (session cookie); the operator signs in again after it.',
    parse: p.int({ min: 1, max: 720 }),
  }),
  allowNonPublicIps: setting({
    env: 'FLEETCERT_ALLOW_NON_PUBLIC_IPS',
    default: 'false',
    doc: 'Development only: let devices request certificates for private, loopback and other non-public IP addresses (the sandbox and tests use it with Pebble). No public CA issues for them.',
    parse: p.bool(),
  }),
  privacyDelayMinMs: setting({
    env: 'FLEETCERT_PRIVACY_DELAY_MIN_MS',
    default: '3600000',
    doc: "Home fleets: least delay between a device's DNS and IP certificates, so Certificate Transparency timestamps do not pair them.",
    parse: p.int({ min: 0, max: 30 * 24 * 3600 * 1000 }),
  }),
  privacyDelayMaxMs: setting({
    env: 'FLEETCERT_PRIVACY_DELAY_MAX_MS',
    default: '86400000',
    doc: 'Home fleets: greatest such delay; each request draws a random delay between the two.',
    parse: p.int({ min: 0, max: 30 * 24 * 3600 * 1000 }),
  }),
  http01PullTimeoutMs: setting({
    env: 'FLEETCERT_HTTP01_PULL_TIMEOUT_MS',
    default: '600000',
    doc: 'Pull mode: how long the worker waits for a device to fetch its http-01 challenges before answering them anyway.',
    parse: p.int({ min: 1000, max: 3600000 }),
  }),
  challengeResponderRate: setting({
    env: 'FLEETCERT_CHALLENGE_RESPONDER_RATE',
    default: '300',
    doc: 'Requests per minute one client address may make to the public `/.well-known/acme-challenge/` responder (then 429).',
    parse: p.int({ min: 1, max: 1000000 }),
  }),
} as const;

export type SettingsTable = typeof SETTINGS;
export type SettingValue<K extends keyof SettingsTable> = ReturnType<SettingsTable[K]['parse']>;
