import { inspect } from 'node:util';
import { DnsUnavailableError } from '../../errors/dns-unavailable.error';
import { DnsUpdateRefusedError } from '../../errors/dns-update-refused.error';
import { InvalidDnsRequestError } from '../../errors/invalid-dns-request.error';
import { TsigVerificationError } from '../../errors/tsig-verification.error';
import { decodeUpdate } from '../../testing/decode-update';
import { FakeDnsServer } from '../../testing/fake-dns-server';
import { TsigKey, TsigKeyOptions } from '../../tsig/tsig-key';
import { signMessage } from '../../tsig/tsig-sign';
import { verifyMessage } from '../../tsig/tsig-verify';
import { Opcode, RRClass, RRType } from '../../wire/constants';
import { readLayout } from '../../wire/message-layout';
import { Rfc2136Provider } from './rfc2136.provider';
import { Rfc2136ProviderOptions } from './rfc2136.options';

const ZONE = 'devices.example.com';
const KEY: TsigKeyOptions = {
  name: 'fleetcert',
  algorithm: 'hmac-sha256',
  secret: Buffer.alloc(32, 0x5a).toString('base64'),
};
const serverKey = new TsigKey(KEY);

/** What a primary answers to an UPDATE: header and zone section, signed and chained to the request. */
function answerUpdate(request: Buffer, rcode = 0, key = serverKey): Buffer {
  const requestMac = verifyMessage(request, serverKey).mac;
  const layout = readLayout(request);
  const answer = Buffer.from(request.subarray(0, layout.questionEnd));
  answer.writeUInt16BE(0x8000 | (Opcode.UPDATE << 11) | rcode, 2);
  answer.fill(0, 6, 12);
  return signMessage(answer, key, { requestMac }).message;
}

const hex = (text: string) => Buffer.from(text).toString('hex');
/** TXT RDATA of a short value: length octet, then the bytes. */
const txt = (value: string) => Buffer.from([value.length]).toString('hex') + hex(value);

describe(Rfc2136Provider.name, () => {
  let server: FakeDnsServer;
  let provider: Rfc2136Provider;
  const options = (extra: Partial<Rfc2136ProviderOptions> = {}): Rfc2136ProviderOptions => ({
    server: '127.0.0.1',
    port: server.port,
    zone: 'Devices.Example.COM.',
    tsig: KEY,
    timeoutMs: 1000,
    ...extra,
  });
  const sentUpdates = () => server.received.map((r) => decodeUpdate(r.message));

  beforeEach(async () => {
    server = await FakeDnsServer.start((request) => answerUpdate(request));
    provider = new Rfc2136Provider(options());
  });
  afterEach(() => server.close());

  describe('presentTxt', () => {
    it('should send one signed UPDATE adding the TXT record to the zone', async () => {
      await provider.presentTxt('_acme-challenge.X7K2.devices.example.com.', 'token-value');
      expect(server.received).toHaveLength(1);
      expect(() => verifyMessage(server.received[0].message, serverKey)).not.toThrow();
      expect(sentUpdates()).toEqual([
        {
          opcode: Opcode.UPDATE,
          zone: [{ name: ZONE, type: RRType.SOA, class: RRClass.IN, ttl: 0, rdata: '' }],
          updates: [
            {
              name: `_acme-challenge.x7k2.${ZONE}`,
              type: RRType.TXT,
              class: RRClass.IN,
              ttl: 60,
              rdata: txt('token-value'),
            },
          ],
        },
      ]);
      expect(readLayout(server.received[0].message).header).toMatchObject({
        qdcount: 1,
        ancount: 0,
        arcount: 1,
      });
    });

    it('should split a value over 255 bytes into character-strings and send it over TCP', async () => {
      const value = 'v'.repeat(600);
      await provider.presentTxt(`_acme-challenge.a.${ZONE}`, value);
      expect(server.received.map((r) => r.transport)).toEqual(['tcp']);
      const rdata = Buffer.from(sentUpdates()[0].updates[0].rdata, 'hex');
      expect([rdata[0], rdata[256], rdata[512]]).toEqual([255, 255, 90]);
      expect(rdata).toHaveLength(600 + 3);
    });

    it('should use the configured TTL', async () => {
      await new Rfc2136Provider(options({ ttl: 5 })).presentTxt(`_acme-challenge.a.${ZONE}`, 'v');
      expect(sentUpdates()[0].updates[0].ttl).toBe(5);
    });
  });

  describe('cleanUpTxt', () => {
    it('should delete exactly that TXT record (CLASS NONE, TTL 0, same RDATA)', async () => {
      await provider.cleanUpTxt(`_acme-challenge.a.${ZONE}`, 'token-value');
      expect(sentUpdates()[0].updates).toEqual([
        {
          name: `_acme-challenge.a.${ZONE}`,
          type: RRType.TXT,
          class: RRClass.NONE,
          ttl: 0,
          rdata: txt('token-value'),
        },
      ]);
    });
  });

  describe('setAddresses', () => {
    const name = `a.${ZONE}`;
    const deleteSet = (type: number) => ({ name, type, class: RRClass.ANY, ttl: 0, rdata: '' });

    it('should replace both RRsets in one message', async () => {
      await provider.setAddresses(name, { ipv4: '10.0.0.7', ipv6: '2001:db8::7' });
      expect(server.received).toHaveLength(1);
      expect(sentUpdates()[0].updates).toEqual([
        deleteSet(RRType.A),
        { name, type: RRType.A, class: RRClass.IN, ttl: 60, rdata: '0a000007' },
        deleteSet(RRType.AAAA),
        { name, type: RRType.AAAA, class: RRClass.IN, ttl: 60, rdata: '20010db8000000000000000000000007' },
      ]);
    });

    it('should leave an undefined family alone and delete a null one', async () => {
      await provider.setAddresses(name, { ipv6: null });
      expect(sentUpdates()[0].updates).toEqual([deleteSet(RRType.AAAA)]);
    });

    it('should send nothing when nothing changes', async () => {
      await provider.setAddresses(name, {});
      expect(server.received).toHaveLength(0);
    });

    it.each([
      [{ ipv4: '2001:db8::1' }, /is not an IPv4 address/],
      [{ ipv4: '10.0.0.256' }, /is not an IPv4 address/],
      [{ ipv6: '10.0.0.1' }, /is not an IPv6 address/],
      [{ ipv4: '10.0.0.1', ipv6: 'fe80::1%eth0' }, /is not an IPv6 address/],
    ])('should refuse %j before sending anything', async (change, message) => {
      await expect(provider.setAddresses(name, change)).rejects.toThrow(message);
      await expect(provider.setAddresses(name, change)).rejects.toBeInstanceOf(InvalidDnsRequestError);
      expect(server.received).toHaveLength(0);
    });
  });

  describe('names', () => {
    it.each([
      ['outside the zone', 'a.example.com', /"a\.example\.com" is outside the zone "devices\.example\.com"/],
      ['a suffix lookalike', 'a.evildevices.example.com', /outside the zone/],
      ['malformed', 'a..devices.example.com', /invalid DNS name/],
      ['with a space', 'a b.devices.example.com', /invalid DNS name/],
      ['with a long label', `${'x'.repeat(64)}.devices.example.com`, /1-63 characters/],
    ])('should refuse a name %s without sending anything', async (_, fqdn, message) => {
      await expect(provider.presentTxt(fqdn, 'v')).rejects.toThrow(message);
      await expect(provider.cleanUpTxt(fqdn, 'v')).rejects.toBeInstanceOf(InvalidDnsRequestError);
      await expect(provider.setAddresses(fqdn, { ipv4: '10.0.0.1' })).rejects.toBeInstanceOf(
        InvalidDnsRequestError,
      );
      expect(server.received).toHaveLength(0);
    });
  });

  describe('responses', () => {
    it('should throw DnsUpdateRefusedError with the RCODE of a signed refusal', async () => {
      server.handler = (request) => answerUpdate(request, 5);
      const error = await provider.presentTxt(`_acme-challenge.a.${ZONE}`, 'v').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DnsUpdateRefusedError);
      expect(error).toMatchObject({ rcode: 'REFUSED', server: `127.0.0.1:${server.port}` });
      expect((error as Error).message).toBe(
        `DNS server 127.0.0.1:${server.port} refused the update (add TXT _acme-challenge.a.${ZONE}): REFUSED`,
      );
    });

    it('should not believe an unsigned answer, even a NOERROR', async () => {
      server.handler = (request) => {
        const answer = Buffer.from(request.subarray(0, readLayout(request).questionEnd));
        answer.writeUInt16BE(0x8000 | (Opcode.UPDATE << 11), 2);
        answer.fill(0, 6, 12);
        return answer;
      };
      await expect(provider.presentTxt(`_acme-challenge.a.${ZONE}`, 'v')).rejects.toThrow(
        new TsigVerificationError('response is not signed (RCODE NOERROR)'),
      );
    });

    it('should not believe an answer signed with another secret', async () => {
      const forger = new TsigKey({ ...KEY, secret: Buffer.alloc(32, 1).toString('base64') });
      server.handler = (request) => answerUpdate(request, 0, forger);
      await expect(provider.presentTxt(`_acme-challenge.a.${ZONE}`, 'v')).rejects.toThrow(
        /MAC does not match/,
      );
    });

    it('should throw DnsUnavailableError when the server does not answer', async () => {
      server.handler = () => undefined;
      const startedAt = Date.now();
      await expect(
        new Rfc2136Provider(options({ timeoutMs: 300 })).presentTxt(`_acme-challenge.a.${ZONE}`, 'v'),
      ).rejects.toBeInstanceOf(DnsUnavailableError);
      expect(Date.now() - startedAt).toBeLessThan(1000);
      expect(server.received).toHaveLength(3);
    });
  });

  describe('secrets', () => {
    it('should keep the secret out of inspect, JSON and option errors', () => {
      const printed = [inspect(provider, { depth: 10 }), JSON.stringify(provider)];
      for (const text of printed) expect(text).not.toContain(KEY.secret);
      expect(JSON.parse(printed[1])).toMatchObject({
        provider: 'rfc2136',
        zone: ZONE,
        key: { secret: '[redacted]' },
      });
    });

    it.each([
      [{ server: '' }, 'rfc2136: server is required'],
      [{ port: 70000 }, 'rfc2136: port must be an integer from 1 to 65535'],
      [{ ttl: -1 }, 'rfc2136: ttl must be an integer from 0 to 2147483647'],
      [{ timeoutMs: 0 }, 'rfc2136: timeoutMs must be an integer from 1 to 600000'],
      [{ zone: 'bad zone' }, /rfc2136: zone: invalid DNS name/],
      [{ tsig: { ...KEY, secret: `${KEY.secret}!` } }, /not valid base64/],
    ] as Array<[Partial<Rfc2136ProviderOptions>, string | RegExp]>)(
      'should refuse options %j',
      (extra, message) => {
        let caught: Error | undefined;
        try {
          new Rfc2136Provider(options(extra));
        } catch (error) {
          caught = error as Error;
        }
        expect(caught).toBeInstanceOf(TypeError);
        expect(caught?.message).toMatch(message);
        expect(caught?.message).not.toContain(KEY.secret);
      },
    );
  });
});
