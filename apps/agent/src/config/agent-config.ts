/** The two kinds of certificate a device can hold; the privacy guard keeps them apart. */
export type CertificateKind = 'dns' | 'ip';
export const CERTIFICATE_KINDS: readonly CertificateKind[] = ['dns', 'ip'];

/** Key algorithms the agent generates; every one is acceptable to the server's CSR policy. */
export const KEY_TYPES = ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/**
 * How the port-80 responder answers `/.well-known/acme-challenge/<token>` for IP
 * certificates: `proxy` fetches the answer from the control server's public responder,
 * `redirect` sends the CA there with a 302, `pull` serves the challenges the agent pulls
 * from `GET /v1/device/challenges`; `off` runs no responder (an edge proxy forwards instead).
 */
export const RESPONDER_MODES = ['off', 'proxy', 'redirect', 'pull'] as const;
export type ResponderMode = (typeof RESPONDER_MODES)[number];

/**
 * Where the agent learns one address family of the device: a local interface, a
 * "what is my IP" URL (the public address behind NAT), a command's output, a fixed value,
 * or `none` to leave that family's record alone.
 */
export type AddressSource =
  | { from: 'interface'; interface?: string }
  | { from: 'url'; url: string }
  | { from: 'command'; command: string }
  | { from: 'static'; address: string }
  | { from: 'none' };

export interface CertificateSettings {
  /** Whether the agent obtains and renews this kind. */
  enabled: boolean;
  /** Directory the key and certificate files are written to (see README: "Files"). */
  dir: string;
  keyType: KeyType;
  /** ACME profile to ask for; the server's choice when absent. */
  profile?: string;
  /**
   * IP certificates only: also certify private addresses (for a private ACME CA that
   * validates inside the network). Public CAs validate public addresses only. Default false.
   */
  includeNonPublic: boolean;
}

/** The agent's whole configuration, validated, with defaults applied and paths absolute. */
export interface AgentConfig {
  /** Base URL of the control server, without a trailing slash. */
  server: string;
  /** Device credential (`fcd_…`). Never logged. */
  token: string;
  /** PEM bundle of the CAs that may sign the server's TLS certificate, instead of the system roots. */
  caBundle?: string;
  /** Accept an `http://` server URL (development and tests only: the token crosses the network in clear). */
  allowHttp: boolean;
  /** Directory of the agent's state (state.json, pending keys, the run lock). */
  stateDir: string;
  certificates: Record<CertificateKind, CertificateSettings>;
  /** Shell command run after a certificate was installed, e.g. `systemctl reload nginx`. */
  reloadCommand?: string;
  reloadTimeoutSeconds: number;
  addresses: {
    ipv4: AddressSource;
    ipv6: AddressSource;
    /** How often the sources are read; a change is reported at once. */
    checkIntervalSeconds: number;
    /** Unchanged addresses are reported again this often, to repair any drift on the server. */
    reassertIntervalSeconds: number;
  };
  responder: {
    mode: ResponderMode;
    /** `host:port` (IPv6 in brackets) the responder listens on. */
    listen: string;
  };
  retry: {
    /** First delay after a network error or a server outage; doubles up to the maximum, with jitter. */
    initialDelaySeconds: number;
    maxDelaySeconds: number;
    /** First delay after the server or the CA refused a request (it may well refuse again). */
    refusedInitialDelaySeconds: number;
    refusedMaxDelaySeconds: number;
  };
  intervals: {
    /** How often the renewal window of an installed certificate is read again from the server. */
    renewalCheckSeconds: number;
    /** Polling of an open request starts at the minimum and slows down to the maximum. */
    pollMinSeconds: number;
    pollMaxSeconds: number;
  };
  /** Timeout of one HTTP request to the control server. */
  requestTimeoutSeconds: number;
  logLevel: LogLevel;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_CONFIG_PATH = '/etc/fleetcert-agent/config.json';
export const DEFAULT_STATE_DIR = '/var/lib/fleetcert-agent';

/** Defaults of everything but `server`, `token` and the paths derived from `stateDir`. */
export const DEFAULTS = {
  allowHttp: false,
  keyType: 'ecdsa-p256' as KeyType,
  reloadTimeoutSeconds: 60,
  addresses: {
    ipv4: { from: 'interface' } as AddressSource,
    ipv6: { from: 'interface' } as AddressSource,
    checkIntervalSeconds: 120,
    reassertIntervalSeconds: 6 * 3600,
  },
  responder: { mode: 'off' as ResponderMode, listen: '[::]:80' },
  retry: {
    initialDelaySeconds: 5,
    maxDelaySeconds: 900,
    refusedInitialDelaySeconds: 300,
    refusedMaxDelaySeconds: 6 * 3600,
  },
  intervals: { renewalCheckSeconds: 6 * 3600, pollMinSeconds: 1, pollMaxSeconds: 15 },
  requestTimeoutSeconds: 30,
  logLevel: 'info' as LogLevel,
};
