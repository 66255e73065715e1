/** The agent's version, sent as its User-Agent and printed by `--version`. */
export const AGENT_VERSION = '0.1.0';

export const USER_AGENT = `fleetcert-agent/${AGENT_VERSION} (node ${process.versions.node})`;
