import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { debianVersion } from './machine';

/** An external program the benchmark drives, and how to get it when it is missing. */
export interface ToolStatus {
  name: string;
  available: boolean;
  version: string;
  install: string;
}

const REQUIRED_PEERS: [string, string, string][] = [
  ['pebble', 'pebble', 'apt-get install -y pebble'],
  ['named', 'bind9', 'apt-get install -y bind9 bind9-dnsutils'],
];

/** Pebble and BIND9: without them nothing can be measured. */
export function checkPeers(): ToolStatus[] {
  return REQUIRED_PEERS.map(([bin, pkg, install]) => ({
    name: bin,
    available: onPath(bin),
    version: debianVersion(pkg),
    install,
  }));
}

/** lego (Debian 4.9.1, rfc2136 provider built in). */
export function checkLego(): ToolStatus {
  return {
    name: 'lego',
    available: onPath('lego'),
    version: debianVersion('lego'),
    install: 'apt-get install -y lego',
  };
}

/** certbot with its RFC 2136 plugin (Debian 2.1.0). */
export function checkCertbot(): ToolStatus {
  return {
    name: 'certbot',
    available: onPath('certbot') && certbotHasRfc2136Plugin(),
    version: `${debianVersion('certbot')} (plugin ${debianVersion('python3-certbot-dns-rfc2136')})`,
    install: 'apt-get install -y certbot python3-certbot-dns-rfc2136',
  };
}

/** wrk (Debian 4.1.0), the HTTP load generator of the API and fleet-scale parts. */
export function checkWrk(): ToolStatus {
  return {
    name: 'wrk',
    available: onPath('wrk'),
    version: debianVersion('wrk'),
    install: 'apt-get install -y wrk',
  };
}

/** The plugin must be importable by certbot's own interpreter (its shebang), not whichever python3 is first on PATH. */
function certbotHasRfc2136Plugin(): boolean {
  try {
    const path = execFileSync('sh', ['-c', 'command -v certbot'], { encoding: 'utf8' }).trim();
    const python = /^#!\s*(\S+)/.exec(readFileSync(path, 'utf8').split('\n')[0])?.[1] ?? 'python3';
    return succeeds(python, ['-c', 'import certbot_dns_rfc2136']);
  } catch {
    return false;
  }
}

function onPath(bin: string): boolean {
  return succeeds('sh', ['-c', `command -v ${bin}`]);
}

function succeeds(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
