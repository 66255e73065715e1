import { Writable } from 'node:stream';
import pino, { Logger } from 'pino';
import { LazyChildLogger } from './lazy-child-logger';
import { REDACTED_PATHS } from './logger';

/** A logger with the production redaction, writing its lines to an array. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino(
    { level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, timestamp: false },
    sink,
  );
  return { logger, lines };
}

describe(LazyChildLogger.name, () => {
  it('should not make the child until something logs through it', () => {
    const { logger } = capturingLogger();
    const child = jest.spyOn(logger, 'child');
    const lazy = new LazyChildLogger(logger, { reqId: 'r1' }, {});
    expect(lazy.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
    lazy.warn('now');
    lazy.error('and again');
    expect(child).toHaveBeenCalledTimes(1);
    expect(child).toHaveBeenCalledWith({ reqId: 'r1' }, {});
  });

  it('should log exactly what the real child logs, bindings and redaction included', () => {
    const { logger, lines } = capturingLogger();
    const entry = {
      req: { headers: { authorization: 'Bearer fcd_abc_secret' } },
      token: 'fcd_abc_secret',
      n: 1,
    };
    new LazyChildLogger(logger, { reqId: 'r2' }, {}).error(entry, 'request failed');
    logger.child({ reqId: 'r2' }, {}).error(entry, 'request failed');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual(lines[1]);
    expect(lines[0]).toMatchObject({ reqId: 'r2', msg: 'request failed', token: '[redacted]', n: 1 });
    expect(JSON.stringify(lines[0])).not.toContain('secret');
  });

  it("should keep the request's level and bindings in its own children", () => {
    const { logger, lines } = capturingLogger();
    const lazy = new LazyChildLogger(logger, { reqId: 'r3' }, { level: 'warn' });
    expect(lazy.level).toBe('warn');
    lazy.info('dropped: below the route level');
    lazy.child({ step: 'x' }).warn('kept');
    expect(lines).toEqual([expect.objectContaining({ reqId: 'r3', step: 'x', msg: 'kept' })]);
    lazy.level = 'info';
    lazy.info('now kept');
    expect(lines.at(-1)).toMatchObject({ reqId: 'r3', msg: 'now kept' });
  });
});
