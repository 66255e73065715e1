import { createLogger, JsonLogger, TtyLogger } from './logger';

function sink(isTTY = false) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (c: string) => chunks.push(c) }, text: () => chunks.join(''), chunks };
}

describe(JsonLogger.name, () => {
  const at = () => new Date('2026-01-02T03:04:05.000Z');

  it('should write one JSON object per line with level, message and fields', () => {
    const out = sink();
    const logger = new JsonLogger('info', out.stream, at);
    logger.info('certificate installed', {
      kind: 'dns',
      notAfter: new Date('2026-04-01T00:00:00Z'),
      skipped: undefined,
    });
    logger.warn('dns: refused', { error: new Error('boom') });
    logger.debug('not shown');
    expect(
      out
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        time: '2026-01-02T03:04:05.000Z',
        level: 'info',
        msg: 'certificate installed',
        kind: 'dns',
        notAfter: '2026-04-01T00:00:00.000Z',
      },
      { time: '2026-01-02T03:04:05.000Z', level: 'warn', msg: 'dns: refused', error: 'boom' },
    ]);
  });

  it('should log progress only when its state changes', () => {
    const out = sink();
    const logger = new JsonLogger('info', out.stream, at);
    logger.progress('dns', 'pending', 'request pending (1s)');
    logger.progress('dns', 'pending', 'request pending (2s)');
    logger.progress('dns', 'processing', 'request processing (3s)');
    logger.progressDone('dns');
    logger.progress('dns', 'processing', 'request processing (1s)');
    expect(
      out
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).msg),
    ).toEqual(['request pending (1s)', 'request processing (3s)', 'request processing (1s)']);
  });
});

describe(TtyLogger.name, () => {
  it('should redraw one live line per wait and print messages above it', () => {
    const out = sink(true);
    const logger = new TtyLogger('info', out.stream, () => new Date(2026, 0, 2, 3, 4, 5));
    logger.progress('dns', 'pending', 'dns certificate request pending (1s)');
    logger.progress('dns', 'pending', 'dns certificate request pending (2s)');
    logger.info('addresses reported', { ipv4: '192.168.1.20' });
    logger.progressDone('dns');
    const screen = render(out.text());
    expect(screen).toEqual(['03:04:05 INFO  addresses reported ipv4=192.168.1.20']);
    // While waiting, the live line showed the latest text only.
    expect(render(out.chunks.slice(0, 3).join(''))).toEqual(['⠹ dns certificate request pending (2s)']);
  });
});

describe(createLogger.name, () => {
  it('should pick the terminal logger for a TTY and JSON otherwise', () => {
    expect(createLogger('info', sink(true).stream)).toBeInstanceOf(TtyLogger);
    expect(createLogger('info', sink(false).stream)).toBeInstanceOf(JsonLogger);
  });
});

/** Applies the few terminal controls the logger uses (line up, erase line, CR) to get the visible lines. */
function render(text: string): string[] {
  const lines: string[] = [''];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('\x1b[1A', i)) {
      if (lines.length > 1) lines.pop();
      i += 4;
    } else if (text.startsWith('\x1b[2K', i)) {
      lines[lines.length - 1] = '';
      i += 4;
    } else if (text[i] === '\r') {
      lines[lines.length - 1] = '';
      i++;
    } else if (text[i] === '\n') {
      lines.push('');
      i++;
    } else {
      lines[lines.length - 1] += text[i++];
    }
  }
  return lines.filter((l) => l !== '');
}
