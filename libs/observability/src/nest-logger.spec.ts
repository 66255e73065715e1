import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import pino from 'pino';
import { PinoNestLogger } from './nest-logger';

/** A pino logger writing JSON lines into an array, and Nest's `Logger` routed to it. */
function capture(level = 'info'): { lines: Record<string, unknown>[]; logger: Logger } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  Logger.overrideLogger(new PinoNestLogger(pino({ level }, sink)));
  return { lines, logger: new Logger('IssueCertificateService') };
}

describe(PinoNestLogger.name, () => {
  afterEach(() => Logger.overrideLogger(false));

  it('should keep the message of a call with fields, at every level', () => {
    const { lines, logger } = capture('debug');

    logger.log({ requestId: 'r1' }, 'certificate issued');
    logger.warn({ requestId: 'r2' }, 'attempt did not finish');
    logger.error({ err: 'boom' }, 'issuance worker error');
    logger.debug({ n: 1 }, 'detail');

    expect(lines.map(({ level, msg, context }) => ({ level, msg, context }))).toEqual([
      { level: 30, msg: 'certificate issued', context: 'IssueCertificateService' },
      { level: 40, msg: 'attempt did not finish', context: 'IssueCertificateService' },
      { level: 50, msg: 'issuance worker error', context: 'IssueCertificateService' },
      { level: 20, msg: 'detail', context: 'IssueCertificateService' },
    ]);
    expect(lines[0]).toMatchObject({ requestId: 'r1' });
    expect(lines[2]).toMatchObject({ err: 'boom' });
  });

  it("should keep Nest's own forms: a plain message, and an error's stack", () => {
    const { lines, logger } = capture();

    logger.log('Nest application successfully started');
    logger.error('could not connect', 'Error: ECONNREFUSED\n    at connect');
    logger.error(new Error('failed'));

    expect(lines[0]).toMatchObject({
      msg: 'Nest application successfully started',
      context: 'IssueCertificateService',
    });
    expect(lines[0]).not.toHaveProperty('stack');
    expect(lines[1]).toMatchObject({
      msg: 'could not connect',
      stack: 'Error: ECONNREFUSED\n    at connect',
    });
    expect(lines[2]).toMatchObject({ msg: 'failed', err: { message: 'failed' } });
  });

  it('should write nothing below the level', () => {
    const { lines, logger } = capture('info');

    logger.debug({ requestId: 'r1' }, 'detail');
    logger.verbose('more detail');

    expect(lines).toEqual([]);
  });
});
