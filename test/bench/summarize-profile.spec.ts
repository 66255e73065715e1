import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileFiles, summarizeProfiles } from '../../bench/profile/summarize-profile';

// `--profile` gives each process its own CPU profile (bench/support/fleetcert-process.ts
// passes `--cpu-prof-dir=<dir>/<app>`); a clustered API's workers inherit the flags, so with
// Node's own file names (they carry the pid) none overwrites another.

describe('CPU profiles of the benchmark', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetcert-profiles-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one profile per process of a clustered app, each named by its pid', async () => {
    // A primary that forks two workers, each spending a little CPU and exiting, as the API's
    // cluster does (apps/api/src/cluster).
    const program = `
      const cluster = require('node:cluster');
      if (cluster.isPrimary) {
        let exited = 0;
        for (let i = 0; i < 2; i++) cluster.fork();
        cluster.on('exit', () => { if (++exited === 2) process.stdout.write(process.pid + '\\n'); });
      } else {
        let x = 0;
        for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
        process.stdout.write(process.pid + ' ' + x + '\\n');
        process.exit(0);
      }`;
    // cluster.fork() runs a script file again, so the program is one.
    const script = join(dir, 'cluster.js');
    writeFileSync(script, program);
    const output = execFileSync(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'api')}`, script],
      {
        encoding: 'utf8',
      },
    );
    const pids = output
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[0]);
    expect(pids).toHaveLength(3);
    // A profile its writer named, as the bare baseline's is, beside the apps' folders.
    writeFileSync(
      join(dir, 'bare-baseline-c32.cpuprofile'),
      JSON.stringify({ nodes: [], startTime: 0, endTime: 0, samples: [], timeDeltas: [] }),
    );

    const names = profileFiles(dir).map((p) => p.name);
    expect([...names].sort()).toEqual([...pids.map((pid) => `api, pid ${pid}`), 'bare-baseline-c32'].sort());
    const headings = (await summarizeProfiles(dir, [])).filter((line) => line.startsWith('### '));
    for (const pid of pids)
      expect(headings.some((h) => h.startsWith(`### api, pid ${pid}, the whole process`))).toBe(true);
  });
});
