import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderTable } from '../support/table';

// Reads the V8 CPU profiles that `node --cpu-prof` wrote (one per process) and says where
// the time went: self time by package (node_modules/<pkg>, fleetcert's own code, Node
// internals, GC) and by function, and inclusive time of fleetcert's own functions (what
// each of our calls costs with everything it calls). Profiles cover the whole process,
// start-up included (module loading shows as `wrapSafe`/`compileFunction`).

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
}

const ROOT = join(__dirname, '../..');

/** Markdown lines: per profile, a table of packages and one of functions. */
export async function summarizeProfiles(dir: string, top = 12): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const lines: string[] = [];
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const { byPackage, byFunction, ownInclusive, busyMs } = selfTimes(profile);
    lines.push(`### ${file} — ${(busyMs / 1000).toFixed(1)} s on CPU (idle excluded)`, '');
    lines.push(table('package (self time)', byPackage, busyMs, top), '');
    lines.push(table('function (self time)', byFunction, busyMs, top), '');
    lines.push(table("fleetcert's own functions (inclusive time)", ownInclusive, busyMs, top), '');
  }
  return lines;
}

function selfTimes(profile: CpuProfile) {
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const ownInclusive = new Map<string, number>();
  let busyMs = 0;
  for (const id of profile.samples) {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busyMs += msPerSample;
    add(byPackage, packageOf(frame.url, frame.functionName), msPerSample);
    add(byFunction, describe(frame), msPerSample);
    // Every distinct fleetcert function on the stack gets the sample once (recursion counted once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = nodes.get(at)!.callFrame;
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
