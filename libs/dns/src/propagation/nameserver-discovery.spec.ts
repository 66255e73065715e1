import * as dnsPacket from 'dns-packet';
import { DnsUnavailableError } from '../errors/dns-unavailable.error';
import { FakeDnsServer } from '../testing/fake-dns-server';
import { configuredNameservers, discoverNameservers } from './nameserver-discovery';

type Zone = Record<string, dnsPacket.Answer[]>;

/** A resolver double answering from a table keyed by `name TYPE`; glue for NS queries optional. */
function resolver(zone: Zone, glue: dnsPacket.Answer[] = []) {
  return (request: Buffer) => {
    const query = dnsPacket.decode(request);
    const question = query.questions![0];
    const answers = zone[`${question.name} ${question.type}`];
    return dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: answers ? 0 : 3,
      questions: query.questions,
      answers: answers ?? [],
      additionals: question.type === 'NS' ? glue : [],
    });
  };
}

const ns = (data: string): dnsPacket.Answer => ({ name: 'devices.example.com', type: 'NS', ttl: 60, data });
const a = (name: string, data: string): dnsPacket.Answer => ({ name, type: 'A', ttl: 60, data });
const aaaa = (name: string, data: string): dnsPacket.Answer => ({ name, type: 'AAAA', ttl: 60, data });
const options = { port: 5300, families: [4, 6] as Array<4 | 6>, queryTimeoutMs: 1000 };

describe(discoverNameservers.name, () => {
  let server: FakeDnsServer;
  beforeEach(async () => {
    server = await FakeDnsServer.start();
  });
  afterEach(() => server.close());

  it('should use glue addresses and ask for the missing family', async () => {
    server.handler = resolver(
      {
        'devices.example.com NS': [ns('ns1.example.net'), ns('NS2.example.net.')],
        'ns1.example.net AAAA': [aaaa('ns1.example.net', '2001:db8::1')],
        'ns2.example.net A': [a('ns2.example.net', '192.0.2.2')],
        'ns2.example.net AAAA': [],
      },
      [a('ns1.example.net', '192.0.2.1')],
    );
    const found = await discoverNameservers('devices.example.com', server.endpoint, options);
    expect(found.map((n) => n.label)).toEqual([
      'ns1.example.net (192.0.2.1:5300)',
      'ns1.example.net ([2001:db8::1]:5300)',
      'ns2.example.net (192.0.2.2:5300)',
    ]);
    const asked = server.received.map((r) => dnsPacket.decode(r.message).questions![0]);
    expect(asked.map((q) => `${q.name} ${q.type}`).sort()).toEqual([
      'devices.example.com NS',
      'ns1.example.net AAAA',
      'ns2.example.net A',
      'ns2.example.net AAAA',
    ]);
    expect(server.received.every((r) => dnsPacket.decode(r.message).flag_rd)).toBe(true);
  });

  it('should skip excluded families and keep an address-less nameserver as unreachable', async () => {
    server.handler = resolver({
      'devices.example.com NS': [ns('ns1.example.net'), ns('ns2.example.net'), ns('ns3.example.net')],
      'ns1.example.net A': [a('ns1.example.net', '192.0.2.1')],
      'ns2.example.net AAAA': [aaaa('ns2.example.net', '2001:db8::2')],
    });
    const found = await discoverNameservers('devices.example.com', server.endpoint, {
      ...options,
      families: [4],
    });
    expect(found).toEqual([
      { label: 'ns1.example.net (192.0.2.1:5300)', endpoint: { host: '192.0.2.1', port: 5300 } },
      { label: 'ns3.example.net (no address)', endpoint: undefined },
    ]);
  });

  it('should throw DnsUnavailableError when the resolver knows no nameservers', async () => {
    server.handler = resolver({});
    await expect(discoverNameservers('devices.example.com', server.endpoint, options)).rejects.toThrow(
      new DnsUnavailableError(
        `127.0.0.1:${server.port}`,
        'NS query for "devices.example.com" answered NXDOMAIN',
      ),
    );
    server.handler = resolver({ 'devices.example.com NS': [] });
    await expect(discoverNameservers('devices.example.com', server.endpoint, options)).rejects.toThrow(
      /no NS records for "devices.example.com"/,
    );
  });
});

describe(configuredNameservers.name, () => {
  it('should label overrides by endpoint', () => {
    expect(configuredNameservers(['127.0.0.1:5300', '[::1]:53', 'ns1.example.net'])).toEqual([
      { label: '127.0.0.1:5300', endpoint: { host: '127.0.0.1', port: 5300 } },
      { label: '[::1]:53', endpoint: { host: '::1', port: 53 } },
      { label: 'ns1.example.net:53', endpoint: { host: 'ns1.example.net', port: 53 } },
    ]);
  });
});
