/**
 * Exit codes of the agent's commands. `run` and `enroll` use the BSD sysexits values that
 * service managers and scripts already know; `status` uses the monitoring-plugin
 * convention (Nagios, Icinga, Sensu, Zabbix agents, ...) so a check can call it directly.
 */
export const EXIT = {
  ok: 0,
  /** Something failed that is not described by a more specific code. */
  failure: 1,
  /** Bad command line (EX_USAGE). */
  usage: 64,
  /** The control server could not be reached, or answered 5xx (EX_UNAVAILABLE). */
  unavailable: 69,
  /** The configuration file exists already (EX_CANTCREAT): `enroll --force` replaces it. */
  cannotCreate: 73,
  /** Another agent runs with the same state directory (EX_TEMPFAIL). */
  alreadyRunning: 75,
  /** The server refused the credential or the device is disabled (EX_NOPERM). */
  noPermission: 77,
  /** The configuration file is missing or invalid (EX_CONFIG). */
  config: 78,
} as const;

/** `fleetcert-agent status`: the monitoring-plugin states. */
export const STATUS_EXIT = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;
export type StatusLevel = keyof typeof STATUS_EXIT;
