import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ProfileWindow } from '../support/profile-windows';
import { renderTable } from '../support/table';

// Reads the V8 CPU profiles that `node --cpu-prof` wrote (one per process) and says where
// the time went: self time by package (node_modules/<pkg>, fleetcert's own code, Node
// internals, GC) and by function, and inclusive time of fleetcert's own functions (what
// each of our calls costs with everything it calls). A profile covers its whole process,
// start-up included; it is summarized once per row it overlaps (`profile-windows.ts`),
// counting only the samples taken while that row was measured.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** Microseconds from the previous sample (the first: from `startTime`). */
  timeDeltas: number[];
}

const ROOT = join(__dirname, '../..');

/**
 * Markdown lines: per profile and per measured row it overlaps, a table of packages and
 * two of functions. Without windows (none recorded), each profile as a whole.
 */
export async function summarizeProfiles(
  dir: string,
  windows: readonly ProfileWindow[],
  top = 12,
): Promise<string[]> {
  const lines: string[] = [];
  for (const { path, name } of profileFiles(dir)) {
    const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
    const overlapping = windows.filter((w) => w.fromUs < profile.endTime && w.toUs > profile.startTime);
    const stretches = overlapping.length
      ? overlapping
      : [{ label: 'the whole process', fromUs: profile.startTime, toUs: profile.endTime }];
    for (const window of stretches) {
      const { byPackage, byFunction, ownInclusive, busyMs } = selfTimes(profile, window);
      const seconds = (window.toUs - window.fromUs) / 1e6;
      lines.push(
        `### ${name}, ${window.label} — ${(busyMs / 1000).toFixed(2)} s on CPU in ${seconds.toFixed(1)} s (idle excluded)`,
        '',
      );
      lines.push(table('package (self time)', byPackage, busyMs, top), '');
      lines.push(table('function (self time)', byFunction, busyMs, top), '');
      lines.push(table("fleetcert's own functions (inclusive time)", ownInclusive, busyMs, top), '');
    }
  }
  return lines;
}

/** Node's own name for a profile: `CPU.<yyyymmdd>.<hhmmss>.<pid>.<tid>.<seq>.cpuprofile`. */
const NODE_PROFILE_NAME = /^CPU\.\d{8}\.\d{6}\.(\d+)\.(\d+)\.\d+\.cpuprofile$/;

/**
 * The profiles in `dir` and in its subfolders (one per app, `fleetcert-process.ts`), oldest
 * first, each named for the report: `api, pid 1234` for the main thread of a process whose
 * profile Node named, `api, pid 1234, thread 1` for another of its threads (the CSR
 * signature checks'), the file name for a profile named by its writer (the bare baseline's).
 */
export function profileFiles(dir: string): Array<{ path: string; name: string }> {
  const found: Array<{ path: string; name: string; mtimeMs: number }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const files = entry.isDirectory()
      ? readdirSync(join(dir, entry.name)).map((f) => ({ folder: entry.name, file: f }))
      : [{ folder: undefined, file: entry.name }];
    for (const { folder, file } of files) {
      if (!file.endsWith('.cpuprofile')) continue;
      const path = folder ? join(dir, folder, file) : join(dir, file);
      const [, pid, thread] = NODE_PROFILE_NAME.exec(file) ?? [];
      const name =
        folder && pid
          ? `${folder}, pid ${pid}${thread === '0' ? '' : `, thread ${thread}`}`
          : file.replace(/\.cpuprofile$/, '');
      found.push({ path, name, mtimeMs: statSync(path).mtimeMs });
    }
  }
  return found.sort((a, b) => a.mtimeMs - b.mtimeMs).map(({ path, name }) => ({ path, name }));
}

function selfTimes(profile: CpuProfile, window: { fromUs: number; toUs: number }) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const ownInclusive = new Map<string, number>();
  let busyMs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    // A sample stands for the time until the next one.
    const msPerSample = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (at < window.fromUs || at > window.toUs) continue;
    const id = profile.samples[i];
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busyMs += msPerSample;
    add(byPackage, packageOf(frame.url, frame.functionName), msPerSample);
    add(byFunction, describe(frame), msPerSample);
    // Every distinct fleetcert function on the stack gets the sample once (recursion counted once).
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const f = nodes.get(node)!.callFrame;
      if (!isOwnCode(f.url)) continue;
      const key = describe(f);
      if (!seen.has(key)) add(ownInclusive, key, msPerSample);
      seen.add(key);
    }
  }
  return { byPackage, byFunction, ownInclusive, busyMs };
}

function describe(frame: ProfileNode['callFrame']): string {
  const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
}

/** fleetcert's apps and libs, built (dist/) or run from source (the bare baseline). */
function isOwnCode(url: string): boolean {
  return (
    /\/(dist\/)?(apps|libs)\/[^/]+\/src\//.test(url) &&
    !url.includes('node_modules') &&
    !url.includes('/generated/')
  );
}

function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const rel = relative(ROOT, path);
  const own = /^dist\/((?:apps|libs)\/[^/]+)/.exec(rel);
  return own ? `fleetcert ${own[1]}` : rel;
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  return nm >= 0 ? path.slice(nm + 'node_modules/'.length) : relative(ROOT, path);
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function table(title: string, map: Map<string, number>, busyMs: number, top: number): string {
  const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return renderTable(
    [title, 'self ms', 'share'],
    rows.map(([k, ms]) => [k.replace(/\|/g, '\\|'), ms.toFixed(0), `${((ms / busyMs) * 100).toFixed(1)}%`]),
  );
}
