import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const BUILT = join(__dirname, '../../../dist/libs/observability/src/logger.js');

/** Runs `body` in a child Node process with a buffered logger `log`; its stdout lines and exit code. */
function runWithBufferedLogger(body: string): { lines: { msg: string; i: number }[]; status: number | null } {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` first (npm test does)`);
  const script = `const log = require(${JSON.stringify(BUILT)}).createLogger({ name: 't', level: 'info', buffered: true });\n${body}`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  const lines = child.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { lines, status: child.status };
}

describe('createLogger({ buffered: true })', () => {
  it('should write every buffered line when the process exits on purpose', () => {
    const run = runWithBufferedLogger(
      `for (let i = 0; i < 3; i++) log.info({ i }, 'line'); process.exit(3);`,
    );
    expect(run.status).toBe(3);
    expect(run.lines.map((l) => l.i)).toEqual([0, 1, 2]);
  });

  it('should write every buffered line when the process crashes', () => {
    const run = runWithBufferedLogger(
      `for (let i = 0; i < 3; i++) log.info({ i }, 'line'); setImmediate(() => { throw new Error('boom'); });`,
    );
    expect(run.status).toBe(1);
    expect(run.lines.map((l) => l.i)).toEqual([0, 1, 2]);
  });

  it('should write a line on a quiet process within the flush interval, without waiting to fill a batch', () => {
    const run = runWithBufferedLogger(
      `log.info({ i: 7 }, 'alone'); setTimeout(() => { process.kill(process.pid, 'SIGKILL'); }, 1000);`,
    );
    // Killed with SIGKILL (no exit handler runs): only the periodic flush can have written it.
    expect(run.lines.map((l) => l.msg)).toEqual(['alone']);
  });
});

describe('createLogger: err fields', () => {
  function logged(err: unknown): Record<string, unknown> {
    const run = spawnSync(
      process.execPath,
      [
        '-e',
        `const log = require(${JSON.stringify(BUILT)}).createLogger({ name: 't', level: 'info' });
         const err = ${typeof err === 'string' ? JSON.stringify(err) : "new Error('boom')"};
         log.warn({ err }, 'failed');`,
      ],
      { encoding: 'utf8' },
    );
    return JSON.parse(run.stdout.trim()) as Record<string, unknown>;
  }

  it("should put a message given as text on one line, as Prisma's multi-line ones", () => {
    expect(
      logged(
        "\nInvalid `prisma.device.findMany()` invocation:\n\n\nCan't reach database server at 127.0.0.1:1",
      ),
    ).toMatchObject({
      err: "Invalid `prisma.device.findMany()` invocation: Can't reach database server at 127.0.0.1:1",
    });
    expect(logged('connect ECONNREFUSED 127.0.0.1:6379')).toMatchObject({
      err: 'connect ECONNREFUSED 127.0.0.1:6379',
    });
  });

  it('should keep an Error object whole, stack included', () => {
    expect(logged(new Error('boom'))).toMatchObject({
      err: { type: 'Error', message: 'boom', stack: expect.stringContaining('Error: boom') },
    });
  });
});
