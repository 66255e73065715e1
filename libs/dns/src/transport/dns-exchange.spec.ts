import * as dnsPacket from 'dns-packet';
import { DnsUnavailableError } from '../errors/dns-unavailable.error';
import { echoAnswer, FakeDnsServer } from '../testing/fake-dns-server';
import { readHeader } from '../wire/message-layout';
import { exchangeDnsMessage } from './dns-exchange';
import { queryDns } from './dns-query';

function query(id: number, name = 'x7k2qf9a.devices.example.com'): Buffer {
  return dnsPacket.encode({ type: 'query', id, questions: [{ name, type: 'TXT', class: 'IN' }] });
}

/** A query padded past the 512-byte UDP limit with a long name chain in extra questions. */
function largeQuery(id: number): Buffer {
  const label = 'a'.repeat(60);
  const name = `${label}.${label}.${label}.${label}.example.com`;
  const questions = Array.from({ length: 3 }, () => ({ name, type: 'TXT' as const, class: 'IN' as const }));
  return dnsPacket.encode({ type: 'query', id, questions });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe(exchangeDnsMessage.name, () => {
  let server: FakeDnsServer;

  beforeEach(async () => {
    server = await FakeDnsServer.start();
  });
  afterEach(() => server.close());

  it('should return the UDP answer to the request', async () => {
    server.handler = (request) => echoAnswer(request, { aa: true });
    const response = await exchangeDnsMessage(server.endpoint, query(4242));
    expect(readHeader(response)).toMatchObject({ id: 4242, qr: true, aa: true });
    expect(server.received.map((r) => r.transport)).toEqual(['udp']);
  });

  it('should ignore datagrams that do not answer the request', async () => {
    const request = query(7);
    // First an answer with another ID, then one to another question, then the real one.
    const answers = [echoAnswer(request, { id: 8 }), echoAnswer(query(7, 'other.example.com'))];
    server.handler = (incoming) => answers[server.received.length - 1] ?? echoAnswer(incoming, { aa: true });
    const response = await exchangeDnsMessage(server.endpoint, request, { timeoutMs: 900, udpAttempts: 3 });
    expect(readHeader(response)).toMatchObject({ id: 7, aa: true });
    expect(server.received).toHaveLength(3);
  });

  it('should retransmit over UDP until an answer arrives', async () => {
    server.handler = (request) => (server.received.length < 3 ? undefined : echoAnswer(request));
    const startedAt = Date.now();
    const response = await exchangeDnsMessage(server.endpoint, query(1), { timeoutMs: 600, udpAttempts: 3 });
    expect(readHeader(response).id).toBe(1);
    expect(server.received.map((r) => r.transport)).toEqual(['udp', 'udp', 'udp']);
    // Attempts are spread over the budget: the third goes out after about 2/3 of it.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(350);
  });

  it('should throw DnsUnavailableError at the deadline when nobody answers', async () => {
    const startedAt = Date.now();
    const error = await rejection(
      exchangeDnsMessage(server.endpoint, query(2), { timeoutMs: 300, udpAttempts: 2 }),
    );
    const elapsed = Date.now() - startedAt;
    expect(error).toBeInstanceOf(DnsUnavailableError);
    expect(error.message).toMatch(
      /^DNS server 127\.0\.0\.1:\d+ is unavailable: no answer within \d+ ms \(2 UDP attempts\)$/,
    );
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000);
    expect(server.received).toHaveLength(2);
  });

  it('should fail fast with DnsUnavailableError when the port is closed', async () => {
    const port = server.port;
    await server.close();
    const startedAt = Date.now();
    const error = await rejection(
      exchangeDnsMessage({ host: '127.0.0.1', port }, query(3), { timeoutMs: 5000 }),
    );
    expect(error).toBeInstanceOf(DnsUnavailableError);
    expect(error).toMatchObject({
      server: `127.0.0.1:${port}`,
      reason: expect.stringMatching(/connection refused/),
    });
    expect(Date.now() - startedAt).toBeLessThan(1000);
    server = await FakeDnsServer.start();
  });

  it('should retry over TCP when the UDP answer is truncated', async () => {
    server.handler = (request, transport) =>
      echoAnswer(request, { tc: transport === 'udp', aa: transport === 'tcp' });
    const response = await exchangeDnsMessage(server.endpoint, query(5));
    expect(readHeader(response)).toMatchObject({ id: 5, tc: false, aa: true });
    expect(server.received.map((r) => r.transport)).toEqual(['udp', 'tcp']);
    expect(server.received[1].message.equals(server.received[0].message)).toBe(true);
  });

  it('should send a request over 512 bytes over TCP directly', async () => {
    const request = largeQuery(6);
    expect(request.length).toBeGreaterThan(512);
    server.handler = (incoming) => echoAnswer(incoming);
    const response = await exchangeDnsMessage(server.endpoint, request);
    expect(response.equals(echoAnswer(request))).toBe(true);
    expect(server.received.map((r) => r.transport)).toEqual(['tcp']);
  });

  it('should use TCP only when asked to', async () => {
    server.handler = (incoming) => echoAnswer(incoming);
    await exchangeDnsMessage(server.endpoint, query(9), { tcpOnly: true });
    expect(server.received.map((r) => r.transport)).toEqual(['tcp']);
  });

  it('should throw DnsUnavailableError when the TCP connection closes before an answer', async () => {
    server.handler = () => undefined;
    const error = await rejection(exchangeDnsMessage(server.endpoint, query(10), { tcpOnly: true }));
    expect(error).toBeInstanceOf(DnsUnavailableError);
    expect(error.message).toMatch(/closed the TCP connection before a complete answer/);
  });

  it('should reject a TCP answer to another question', async () => {
    server.handler = (incoming) => echoAnswer(incoming, { id: incoming.readUInt16BE(0) ^ 1 });
    const error = await rejection(exchangeDnsMessage(server.endpoint, query(11), { tcpOnly: true }));
    expect(error).toBeInstanceOf(DnsUnavailableError);
    expect(error.message).toMatch(/does not match the request/);
  });

  it('should refuse a non-positive timeout', async () => {
    await expect(exchangeDnsMessage(server.endpoint, query(12), { timeoutMs: 0 })).rejects.toThrow(
      RangeError,
    );
    expect(server.received).toHaveLength(0);
  });
});

describe(queryDns.name, () => {
  let server: FakeDnsServer;

  beforeEach(async () => {
    server = await FakeDnsServer.start();
  });
  afterEach(() => server.close());

  it('should decode the answer and report RCODE and AA', async () => {
    server.handler = (request) => {
      const question = dnsPacket.decode(request);
      return dnsPacket.encode({
        type: 'response',
        id: question.id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | 3,
        questions: question.questions,
      });
    };
    const result = await queryDns(server.endpoint, 'nope.devices.example.com', 'TXT');
    expect(result).toMatchObject({ rcode: 'NXDOMAIN', authoritative: true });
    expect(result.packet.questions).toEqual([{ name: 'nope.devices.example.com', type: 'TXT', class: 'IN' }]);
    expect(readHeader(server.received[0].message).opcode).toBe(0);
    expect(dnsPacket.decode(server.received[0].message).flag_rd).toBe(false);
  });

  it('should set RD when asking a recursive resolver', async () => {
    server.handler = (request) => echoAnswer(request);
    await queryDns(server.endpoint, 'devices.example.com', 'NS', { recursionDesired: true });
    expect(dnsPacket.decode(server.received[0].message).flag_rd).toBe(true);
  });

  it('should throw DnsUnavailableError on an undecodable answer', async () => {
    // Right ID, QR set and no question, but an answer count with no answer behind it.
    server.handler = (request) => {
      const answer = Buffer.alloc(12);
      request.copy(answer, 0, 0, 2);
      answer.writeUInt16BE(0x8000, 2);
      answer.writeUInt16BE(1, 6);
      return answer;
    };
    const error = await rejection(queryDns(server.endpoint, 'x.devices.example.com', 'A'));
    expect(error).toBeInstanceOf(DnsUnavailableError);
    expect(error.message).toMatch(/malformed answer/);
  });
});
