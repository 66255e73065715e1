import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressSource } from '../config/agent-config';
import type { DeviceApiClient } from '../api/device-api.client';
import { ServerUnreachableError } from '../api/api-errors';
import { JsonLogger } from '../log/logger';
import { StateStore } from '../state/state-store';
import { AddressSourceError, readAddress } from './address-reader';
import { AddressReporter } from './address-reporter';

describe(AddressReporter.name, () => {
  let dir: string;
  let state: StateStore;
  let reported: unknown[];
  let current: Record<'ipv4' | 'ipv6', string | null | Error>;
  let now: Date;
  let changes: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-addresses-'));
    state = new StateStore(dir);
    await state.load();
    reported = [];
    current = { ipv4: '192.168.1.20', ipv6: null };
    now = new Date('2026-01-01T00:00:00Z');
    changes = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function reporter(
    config: { ipv4?: AddressSource; ipv6?: AddressSource } = {},
    api?: Partial<DeviceApiClient>,
  ) {
    return new AddressReporter({
      config: {
        ipv4: config.ipv4 ?? { from: 'interface' },
        ipv6: config.ipv6 ?? { from: 'interface' },
        checkIntervalSeconds: 60,
        reassertIntervalSeconds: 3600,
      },
      api: (api ?? {
        updateAddresses: async (u: unknown) => {
          reported.push(u);
          return {};
        },
      }) as DeviceApiClient,
      state,
      logger: new JsonLogger('error', { write: () => undefined }),
      onChange: () => changes++,
      read: async (_source, family) => {
        const value = current[family];
        if (value instanceof Error) throw value;
        return value;
      },
      now: () => now,
    });
  }

  it('should report at start, then only changes, and again after the reassert interval', async () => {
    const r = reporter();
    expect(await r.step()).toEqual({ waitMs: 60_000, settled: true });
    expect(reported).toEqual([{ ipv4: '192.168.1.20', ipv6: null }]);
    expect(changes).toBe(1);

    await r.step();
    expect(reported).toHaveLength(1);

    current.ipv4 = '192.168.1.21';
    await r.step();
    expect(reported.at(-1)).toEqual({ ipv4: '192.168.1.21', ipv6: null });
    expect(changes).toBe(2);

    now = new Date(now.getTime() + 3600_000);
    await r.step();
    expect(reported).toHaveLength(3);
    expect(changes).toBe(2);
    expect(state.current.addresses).toEqual({
      reported: { ipv4: '192.168.1.21', ipv6: null },
      at: now.toISOString(),
    });
  });

  it('should report once after a restart even when nothing changed', async () => {
    await reporter().step();
    await reporter().step();
    expect(reported).toHaveLength(2);
  });

  it('should leave out families set to none', async () => {
    await reporter({ ipv6: { from: 'none' } }).step();
    expect(reported).toEqual([{ ipv4: '192.168.1.20' }]);
    expect(reporter({ ipv4: { from: 'none' }, ipv6: { from: 'none' } }).enabled).toBe(false);
  });

  it('should still report the family it could read when the other source fails, then report the failure', async () => {
    current.ipv6 = new AddressSourceError('https://api6.example: ETIMEDOUT');
    await expect(reporter().step()).rejects.toThrow('https://api6.example: ETIMEDOUT');
    expect(reported).toEqual([{ ipv4: '192.168.1.20' }]);
  });

  it('should not remember addresses the server did not take', async () => {
    const down = new ServerUnreachableError(
      'https://fleet.example.com/v1/device/addresses',
      Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    );
    await expect(reporter({}, { updateAddresses: async () => Promise.reject(down) }).step()).rejects.toBe(
      down,
    );
    expect(state.current.addresses).toBeUndefined();
  });
});

describe(readAddress.name, () => {
  it('should read a command and a static source', async () => {
    expect(await readAddress({ from: 'command', command: 'echo; echo " 198.51.100.4 "' }, 'ipv4')).toBe(
      '198.51.100.4',
    );
    expect(await readAddress({ from: 'command', command: 'true' }, 'ipv4')).toBeNull();
    expect(await readAddress({ from: 'static', address: '2001:db8::4' }, 'ipv6')).toBe('2001:db8::4');
  });

  it('should refuse output that is not an address of the family, and a failing command', async () => {
    await expect(readAddress({ from: 'command', command: 'echo 2001:db8::1' }, 'ipv4')).rejects.toThrow(
      'command "echo 2001:db8::1" gave "2001:db8::1", not an ipv4 address',
    );
    await expect(readAddress({ from: 'command', command: 'echo boom >&2; exit 4' }, 'ipv4')).rejects.toThrow(
      /exited 4: boom/,
    );
  });

  it('should read a "what is my IP" URL', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.end('203.0.113.50\n')).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      expect(await readAddress({ from: 'url', url }, 'ipv4')).toBe('203.0.113.50');
      await expect(readAddress({ from: 'url', url: 'http://127.0.0.1:1/' }, 'ipv4')).rejects.toBeInstanceOf(
        AddressSourceError,
      );
    } finally {
      server.close();
    }
  });
});
