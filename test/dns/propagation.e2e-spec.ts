import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import * as dnsPacket from 'dns-packet';
import { PropagationChecker, PropagationTimeoutError, Rfc2136Provider } from '@fleetcert/dns';
import { Bind9Handle, startBind9 } from '../support/bind9';
import { unusedLoopbackPort } from '../support/unused-port';

const ZONE = 'devices.prop.test';

function providerFor(bind: Bind9Handle): Rfc2136Provider {
  return new Rfc2136Provider({
    server: bind.host,
    port: bind.port,
    zone: bind.zone,
    tsig: bind.tsig,
    timeoutMs: 3000,
  });
}

const endpointOf = (bind: Bind9Handle) => `${bind.host}:${bind.port}`;

/** One plain UDP query, no TCP fallback: to observe truncation itself. */
async function udpQuery(bind: Bind9Handle, name: string): Promise<dnsPacket.DecodedPacket> {
  const socket = createSocket('udp4');
  try {
    socket.send(
      dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type: 'TXT' }] }),
      bind.port,
      bind.host,
    );
    const [message] = (await once(socket, 'message')) as [Buffer];
    return dnsPacket.decode(message);
  } finally {
    socket.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<PropagationTimeoutError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PropagationTimeoutError);
  return error as PropagationTimeoutError;
}

describe('PropagationChecker against BIND9', () => {
  // Two primaries for the same zone that do not replicate: one can be made to lag on purpose.
  let first: Bind9Handle;
  let second: Bind9Handle;
  let unrelated: Bind9Handle;
  let label = 0;
  const nextName = () => `_acme-challenge.p${Date.now().toString(36)}${label++}.${ZONE}`;

  beforeAll(async () => {
    [first, second, unrelated] = await Promise.all([
      startBind9({ zone: ZONE }),
      startBind9({ zone: ZONE }),
      startBind9({ zone: 'other.prop.test' }),
    ]);
  });
  afterAll(() => Promise.all([first?.stop(), second?.stop(), unrelated?.stop()]));

  it('should discover the nameservers from the NS RRset and its glue', async () => {
    const name = nextName();
    await providerFor(first).presentTxt(name, 'discovered');
    const checker = new PropagationChecker({
      resolver: endpointOf(first),
      nameserverPort: first.port,
      ipFamilies: [4],
      timeoutMs: 5000,
      intervalMs: 50,
    });
    const result = await checker.waitForTxt(ZONE, name, 'discovered');
    expect(result.nameservers).toEqual([`ns1.${ZONE} (127.0.0.1:${first.port})`]);
  });

  it('should wait for the nameserver that lags, and name it on timeout', async () => {
    const name = nextName();
    const nameservers = [endpointOf(first), endpointOf(second)];
    await providerFor(first).presentTxt(name, 'v1');

    const short = new PropagationChecker({ nameservers, timeoutMs: 400, intervalMs: 50 });
    const error = await failure(short.waitForTxt(ZONE, name, 'v1'));
    expect(error.lagging).toEqual([{ nameserver: endpointOf(second), lastSeen: 'NXDOMAIN' }]);
    expect(error.message).toMatch(
      new RegExp(
        `^TXT ${name.replace(/\./g, '\\.')} = "v1" was not served by every authoritative nameserver after \\d+ ms; lagging: 127\\.0\\.0\\.1:${second.port} \\(NXDOMAIN\\)$`,
      ),
    );

    const patient = new PropagationChecker({ nameservers, timeoutMs: 10_000, intervalMs: 50 });
    const waiting = patient.waitForTxt(ZONE, name, 'v1');
    await providerFor(second).presentTxt(name, 'v1');
    const result = await waiting;
    expect(result.nameservers).toEqual(nameservers);
    expect(await second.query(name, 'TXT')).toEqual(['v1']);
  });

  it('should report what a lagging server serves instead', async () => {
    const name = nextName();
    await providerFor(first).presentTxt(name, 'old');
    const checker = new PropagationChecker({
      nameservers: [endpointOf(first)],
      timeoutMs: 200,
      intervalMs: 50,
    });
    const error = await failure(checker.waitForTxt(ZONE, name, 'new'));
    expect(error.lagging).toEqual([{ nameserver: endpointOf(first), lastSeen: 'TXT "old"' }]);
  });

  it('should count an unreachable or non-authoritative nameserver as lagging', async () => {
    const name = nextName();
    await providerFor(first).presentTxt(name, 'v');
    const closed = await unusedLoopbackPort();

    const checker = new PropagationChecker({
      nameservers: [endpointOf(first), `127.0.0.1:${closed}`, endpointOf(unrelated)],
      timeoutMs: 300,
      intervalMs: 50,
    });
    const error = await failure(checker.waitForTxt(ZONE, name, 'v'));
    expect(error.lagging).toEqual([
      { nameserver: `127.0.0.1:${closed}`, lastSeen: 'connection refused (nothing listens on that port)' },
      { nameserver: endpointOf(unrelated), lastSeen: 'REFUSED' },
    ]);
  });

  it('should wait for A and AAAA records, whatever the address spelling', async () => {
    const device = `addr${label++}.${ZONE}`;
    await providerFor(first).setAddresses(device, { ipv4: '10.9.8.7', ipv6: '2001:db8:0:0:0:0:0:9' });
    const checker = new PropagationChecker({
      nameservers: [endpointOf(first)],
      timeoutMs: 2000,
      intervalMs: 50,
    });
    await expect(checker.waitForAddress(ZONE, device, '10.9.8.7')).resolves.toMatchObject({
      nameservers: [endpointOf(first)],
    });
    await expect(checker.waitForAddress(ZONE, device, '2001:DB8::9')).resolves.toBeDefined();
    const short = new PropagationChecker({
      nameservers: [endpointOf(first)],
      timeoutMs: 150,
      intervalMs: 50,
    });
    const error = await failure(short.waitForAddress(ZONE, device, '10.9.8.6'));
    expect(error.lagging[0].lastSeen).toBe('A "10.9.8.7"');
  });

  it('should read an answer too large for UDP over TCP', async () => {
    const name = nextName();
    const values = ['a', 'b', 'c'].map((c) => c.repeat(250));
    for (const value of values) await providerFor(first).presentTxt(name, value);
    // Precondition: over UDP, named really truncates this answer.
    expect((await udpQuery(first, name)).flag_tc).toBe(true);
    const checker = new PropagationChecker({
      nameservers: [endpointOf(first)],
      timeoutMs: 2000,
      intervalMs: 50,
    });
    await expect(checker.waitForTxt(ZONE, name, values[2])).resolves.toBeDefined();
  });

  it('should stop waiting when aborted', async () => {
    const checker = new PropagationChecker({
      nameservers: [endpointOf(first)],
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    const controller = new AbortController();
    const waiting = checker.waitForTxt(ZONE, nextName(), 'never', { signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });

  it('should refuse a record name outside the zone', async () => {
    const checker = new PropagationChecker({ nameservers: [endpointOf(first)] });
    await expect(checker.waitForTxt(ZONE, '_acme-challenge.x.example.com', 'v')).rejects.toThrow(
      /outside the zone/,
    );
  });
});
