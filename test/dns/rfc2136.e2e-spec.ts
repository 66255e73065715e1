import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import * as dnsPacket from 'dns-packet';
import {
  DnsUpdateRefusedError,
  exchangeDnsMessage,
  InvalidDnsRequestError,
  Rfc2136Provider,
  Rfc2136ProviderOptions,
  signMessage,
  TsigKey,
  TsigVerificationError,
  verifyMessage,
} from '@fleetcert/dns';
import { Bind9Handle, Bind9Key, startBind9 } from '../support/bind9';
import { unusedLoopbackPort } from '../support/unused-port';
import { describeDnsProviderConformance, DnsProviderConformanceTarget } from './dns-provider.conformance';

function providerOptions(bind: Bind9Handle, key: Bind9Key): Rfc2136ProviderOptions {
  return { server: bind.host, port: bind.port, zone: bind.zone, tsig: key, ttl: 30, timeoutMs: 3000 };
}

function conformanceTarget(key: (bind: Bind9Handle) => Bind9Key) {
  return async (): Promise<DnsProviderConformanceTarget> => {
    const bind = await startBind9({ zone: 'devices.fleet.test' });
    return {
      zone: bind.zone,
      provider: new Rfc2136Provider(providerOptions(bind, key(bind))),
      query: (name, type) => bind.query(name, type),
      nameservers: [`${bind.host}:${bind.port}`],
      withWrongCredentials: () =>
        new Rfc2136Provider({
          ...providerOptions(bind, key(bind)),
          tsig: { ...key(bind), secret: Buffer.alloc(32, 0x42).toString('base64') },
        }),
      unreachable: async (timeoutMs) =>
        new Rfc2136Provider({
          ...providerOptions(bind, key(bind)),
          port: await unusedLoopbackPort(),
          timeoutMs,
        }),
      close: () => bind.stop(),
    };
  };
}

describeDnsProviderConformance(
  'rfc2136, hmac-sha256 key',
  conformanceTarget((bind) => bind.tsig),
);
describeDnsProviderConformance(
  'rfc2136, hmac-sha512 key',
  conformanceTarget((bind) => bind.tsigSha512),
);

describe('Rfc2136Provider against BIND9', () => {
  let bind: Bind9Handle;
  let provider: Rfc2136Provider;

  beforeAll(async () => {
    bind = await startBind9({ zone: 'devices.fleet.test' });
    provider = new Rfc2136Provider(providerOptions(bind, bind.tsig));
  });
  afterAll(() => bind?.stop());

  describe('TSIG failures', () => {
    it('should report BADSIG for a wrong secret and change nothing', async () => {
      const wrong = new Rfc2136Provider({
        ...providerOptions(bind, bind.tsig),
        tsig: { ...bind.tsig, secret: Buffer.alloc(32, 1).toString('base64') },
      });
      const error = await wrong
        .presentTxt(`_acme-challenge.badsig.${bind.zone}`, 'v')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TsigVerificationError);
      expect(error).toMatchObject({ tsigError: 'BADSIG' });
      expect((error as Error).message).toMatch(/rejected our signature with BADSIG \(RCODE NOTAUTH\)/);
      expect((error as Error).message).not.toContain(bind.tsig.secret);
      expect(await bind.query(`_acme-challenge.badsig.${bind.zone}`, 'TXT')).toEqual([]);
    });

    it('should report BADKEY for a key name the server does not know', async () => {
      const unknown = new Rfc2136Provider({
        ...providerOptions(bind, bind.tsig),
        tsig: { ...bind.tsig, name: 'nobody' },
      });
      const error = await unknown
        .setAddresses(`badkey.${bind.zone}`, { ipv4: '10.0.0.1' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TsigVerificationError);
      expect(error).toMatchObject({ tsigError: 'BADKEY' });
      expect(await bind.query(`badkey.${bind.zone}`, 'A')).toEqual([]);
    });

    it('should report BADTIME for a request signed with a skewed clock', async () => {
      const key = new TsigKey(bind.tsig);
      const query = dnsPacket.encode({
        type: 'query',
        id: 77,
        questions: [{ name: bind.zone, type: 'SOA' }],
      });
      const signed = signMessage(query, key, { now: Date.now() - 3600_000 });
      const response = await exchangeDnsMessage({ host: bind.host, port: bind.port }, signed.message);
      expect(() => verifyMessage(response, key, { requestMac: signed.mac })).toThrow(
        expect.objectContaining({ tsigError: 'BADTIME', message: expect.stringMatching(/and the clocks/) }),
      );
    });

    it("should verify named's signature on a normal answer", async () => {
      const key = new TsigKey(bind.tsigSha512);
      const query = dnsPacket.encode({
        type: 'query',
        id: 78,
        questions: [{ name: bind.zone, type: 'SOA' }],
      });
      const signed = signMessage(query, key);
      const response = await exchangeDnsMessage({ host: bind.host, port: bind.port }, signed.message);
      expect(verifyMessage(response, key, { requestMac: signed.mac })).toMatchObject({
        keyName: 'fleetcert-sha512',
        algorithm: 'hmac-sha512',
        error: 0,
      });
      expect(() => verifyMessage(response, key, { requestMac: Buffer.alloc(64) })).toThrow(
        TsigVerificationError,
      );
    });
  });

  describe('update-policy', () => {
    it.each([
      ['the zone-wide challenge name', (zone: string) => `_acme-challenge.${zone}`],
      ['the zone apex', (zone: string) => zone],
      ['the nameserver host', (zone: string) => `ns1.${zone}`],
    ])('should refuse TXT at %s', async (_, name) => {
      const fqdn = name(bind.zone);
      const error = await provider.presentTxt(fqdn, 'escalation').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DnsUpdateRefusedError);
      expect(error).toMatchObject({ rcode: 'REFUSED' });
      expect(await bind.query(fqdn, 'TXT')).toEqual([]);
    });

    it('should refuse to move the nameserver host, leaving its address', async () => {
      await expect(provider.setAddresses(`ns1.${bind.zone}`, { ipv4: '10.6.6.6' })).rejects.toMatchObject({
        name: 'DnsUpdateRefusedError',
        rcode: 'REFUSED',
      });
      expect(await bind.query(`ns1.${bind.zone}`, 'A')).toEqual(['127.0.0.1']);
    });

    it('should refuse a whole address change when any part is refused (atomic)', async () => {
      // The apex is denied, so neither family may change: nothing is half-written.
      await expect(
        provider.setAddresses(bind.zone, { ipv4: '10.0.0.1', ipv6: '2001:db8::1' }),
      ).rejects.toBeInstanceOf(DnsUpdateRefusedError);
      expect(await bind.query(bind.zone, 'A')).toEqual([]);
      expect(await bind.query(bind.zone, 'AAAA')).toEqual([]);
    });

    it('should allow device addresses and challenges below the zone', async () => {
      await provider.setAddresses(`allowed.${bind.zone}`, { ipv4: '10.1.1.1' });
      await provider.presentTxt(`_acme-challenge.allowed.${bind.zone}`, 'ok');
      expect(await bind.query(`allowed.${bind.zone}`, 'A')).toEqual(['10.1.1.1']);
      expect(await bind.query(`_acme-challenge.allowed.${bind.zone}`, 'TXT')).toEqual(['ok']);
    });
  });

  it('should refuse a name outside the zone without sending anything', async () => {
    // A listener that counts what reaches it, in place of the server.
    const { udp, tcp, port } = await udpAndTcpOnOnePort();
    let received = 0;
    udp.on('message', () => received++);
    tcp.on('connection', (socket) => {
      received++;
      socket.destroy();
    });
    try {
      const counted = new Rfc2136Provider({
        ...providerOptions(bind, bind.tsig),
        port,
        timeoutMs: 300,
        udpAttempts: 3,
      });
      await expect(counted.presentTxt('_acme-challenge.x.example.com', 'v')).rejects.toBeInstanceOf(
        InvalidDnsRequestError,
      );
      await expect(counted.setAddresses('x.fleet.test', { ipv4: '10.0.0.1' })).rejects.toThrow(
        '"x.fleet.test" is outside the zone "devices.fleet.test"',
      );
      await expect(counted.cleanUpTxt('devices.fleet.test.evil', 'v')).rejects.toBeInstanceOf(
        InvalidDnsRequestError,
      );
      // Control: a name inside the zone reaches the listener, exactly three UDP attempts, then
      // times out. Anything the refused calls had sent would have arrived by then too.
      await expect(counted.presentTxt(`_acme-challenge.x.${bind.zone}`, 'v')).rejects.toThrow(/unavailable/);
      expect(received).toBe(3);
    } finally {
      udp.close();
      tcp.close();
    }
  });
});

/**
 * A UDP and a TCP listener on the same loopback port, as a DNS server has. The UDP port is
 * the system's pick; that number may be in use for TCP already (an outgoing connection of
 * another test takes its port from the same range), so another pick is tried then.
 */
async function udpAndTcpOnOnePort(): Promise<{ udp: Socket; tcp: Server; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = createSocket('udp4').bind(0, '127.0.0.1');
    await once(udp, 'listening');
    const port = udp.address().port;
    const tcp = createServer().listen(port, '127.0.0.1');
    try {
      await once(tcp, 'listening');
      return { udp, tcp, port };
    } catch (err) {
      udp.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 10) throw err;
    }
  }
}
