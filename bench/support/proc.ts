import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// What the kernel says about a process: CPU time and resident memory, from /proc (Linux).
// Reading /proc needs no cooperation from the process, so the same numbers are taken for
// fleetcert's processes, the bare baseline and Postgres backends alike.

let clockTicks: number | undefined;

/** Kernel clock ticks per second (`getconf CLK_TCK`, 100 on every mainstream Linux). */
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}

/** User + system CPU seconds the process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** A `process.cpuUsage()` reading (user + system, µs) in seconds. */
export function usageSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

/**
 * CPU seconds the whole machine has been busy (every core, every process: user, nice, system,
 * irq, softirq and steal from `/proc/stat`), to see how much of the machine a run used.
 */
function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return (user + nice + system + irq + softirq + steal) / ticksPerSecond();
}

/** The machine's busy CPU seconds over a window, and the window's length in seconds. */
export interface MachineWindow {
  busySeconds: number;
  windowSeconds: number;
}

/** Starts a {@link MachineWindow} now; the function returned ends it when called. */
export function startMachineWindow(): () => MachineWindow {
  const busy0 = machineBusySeconds();
  const t0 = Date.now();
  return () => ({ busySeconds: machineBusySeconds() - busy0, windowSeconds: (Date.now() - t0) / 1000 });
}

/** Resident memory now (`VmRSS`) and its peak since the process started (`VmHWM`), in bytes. */
export function residentMemory(pid: number): { rss: number; peak: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/**
 * The process and all its descendants (a clustered API's workers), from the kernel's
 * `children` lists of each of its threads.
 */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${tree[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim();
        if (children) tree.push(...children.split(' ').map(Number));
      } catch {
        // The thread or process ended meanwhile.
      }
    }
  }
  return tree;
}

/** Whether the process is running: not gone, nor a zombie waiting to be reaped (gone for every purpose here). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** User + system CPU seconds of a process and its live descendants; undefined once it is gone. */
export function treeCpuSeconds(pid: number): number | undefined {
  const own = cpuSeconds(pid);
  if (own === undefined) return undefined;
  return processTree(pid)
    .slice(1)
    .reduce((sum, child) => sum + (cpuSeconds(child) ?? 0), own);
}

/**
 * CPU seconds a set of named processes (each with its descendants: a clustered API's
 * workers) used between {@link CpuMeter.start} and {@link CpuMeter.stop}.
 */
export class CpuMeter {
  readonly #start = new Map<string, number>();

  constructor(private readonly pids: Record<string, number>) {}

  start(): this {
    for (const [name, pid] of Object.entries(this.pids)) this.#start.set(name, treeCpuSeconds(pid) ?? NaN);
    return this;
  }

  stop(): Record<string, number> {
    const used: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      used[name] = (treeCpuSeconds(pid) ?? NaN) - (this.#start.get(name) ?? NaN);
    }
    return used;
  }
}

/**
 * Highest resident memory of each named process, sampled every `intervalMs` while running;
 * for a process with descendants (a clustered API), of the largest process among them.
 */
export class RssSampler {
  readonly #max: Record<string, number> = {};
  #timer?: NodeJS.Timeout;

  constructor(
    private readonly pids: Record<string, number>,
    private readonly intervalMs = 200,
  ) {}

  start(): this {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.intervalMs);
    return this;
  }

  /** Peak RSS in bytes per process over the sampled window. */
  stop(): Record<string, number> {
    clearInterval(this.#timer);
    this.#sample();
    return { ...this.#max };
  }

  #sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const rss = Math.max(...processTree(pid).map((p) => residentMemory(p)?.rss ?? 0));
      if (rss !== undefined && !(rss <= (this.#max[name] ?? 0))) this.#max[name] = rss;
    }
  }
}

export const MiB = 1024 * 1024;
