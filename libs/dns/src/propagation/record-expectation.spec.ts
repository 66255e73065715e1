import * as dnsPacket from 'dns-packet';
import { DnsQueryResult } from '../transport/dns-query';
import { canonicalAddress, observe, RecordExpectation } from './record-expectation';

const NAME = '_acme-challenge.x.devices.example.com';

function result(answers: dnsPacket.Answer[], rcode = 'NOERROR', authoritative = true): DnsQueryResult {
  return { rcode, authoritative, packet: { answers } as dnsPacket.DecodedPacket };
}
const txt = (value: string | string[], name = NAME): dnsPacket.Answer => ({
  name,
  type: 'TXT',
  data: Array.isArray(value) ? value.map((v) => Buffer.from(v)) : [Buffer.from(value)],
});

describe(observe.name, () => {
  const expectTxt: RecordExpectation = { name: NAME, type: 'TXT', value: 'abc' };

  it('should find the value among several TXT records, joining character-strings', () => {
    expect(observe(result([txt('other'), txt(['a', 'bc'])]), expectTxt)).toEqual({
      served: true,
      seen: 'TXT "other", "abc"',
    });
  });

  it('should not be fooled by the value at another name or type', () => {
    const answers = [
      txt('abc', `x.${NAME}`),
      { name: NAME, type: 'A', data: '10.0.0.1' } as dnsPacket.Answer,
    ];
    expect(observe(result(answers), expectTxt)).toEqual({ served: false, seen: 'no TXT record' });
  });

  it('should only trust authoritative NOERROR answers', () => {
    expect(observe(result([txt('abc')], 'NOERROR', false), expectTxt)).toEqual({
      served: false,
      seen: 'non-authoritative answer',
    });
    expect(observe(result([], 'NXDOMAIN'), expectTxt)).toEqual({ served: false, seen: 'NXDOMAIN' });
  });

  it('should compare addresses in canonical form', () => {
    const answers = [
      { name: 'x.devices.example.com', type: 'AAAA', data: '2001:db8::1' } as dnsPacket.Answer,
    ];
    const expectation: RecordExpectation = {
      name: 'x.devices.example.com',
      type: 'AAAA',
      value: '2001:DB8:0::1',
    };
    expect(observe(result(answers), expectation).served).toBe(true);
    expect(canonicalAddress('AAAA', '2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(() => canonicalAddress('A', '2001:db8::1')).toThrow('"2001:db8::1" is not an IPv4 address');
  });
});
