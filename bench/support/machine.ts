import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

/** What the numbers were measured on. */
export interface MachineInfo {
  date: string;
  nproc: number;
  cpuModel: string;
  memory: string;
  node: string;
  pebble: string;
  bind9: string;
}

export function machineInfo(): MachineInfo {
  const free = run('free', ['-h']);
  const mem = /^Mem:\s+(\S+)\s+(\S+)\s+(\S+)/m.exec(free);
  return {
    date: new Date().toISOString(),
    nproc: Number(run('nproc', [])) || cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memory: mem ? `${mem[1]} total, ${mem[3]} free` : free,
    node: process.version,
    pebble: debianVersion('pebble'),
    bind9: debianVersion('bind9'),
  };
}

/** The 1/5/15-minute load averages, as `uptime` prints them: the machine is shared. */
export function loadNow(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

export function debianVersion(pkg: string): string {
  return run('dpkg-query', ['-W', '-f=${Version}', pkg]) || 'not installed';
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}
