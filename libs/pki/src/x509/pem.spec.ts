import { decodePem, encodePem } from './pem';
import { assertSingleDerSequence } from './der';

const block = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

describe(decodePem.name, () => {
  it('should decode blocks separated by whitespace, with CRLF line ends', () => {
    const text = `\r\n${block('CERTIFICATE', 'MAA=').replace(/\n/g, '\r\n')}\n\n${block('CERTIFICATE', 'MAMCAQE=')}  \n`;
    expect(decodePem(text)).toEqual([
      { label: 'CERTIFICATE', der: Buffer.from([0x30, 0x00]) },
      { label: 'CERTIFICATE', der: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]) },
    ]);
  });

  it.each([
    ['no block', 'hello'],
    ['text before the block', `intro\n${block('CERTIFICATE', 'MAA=')}`],
    ['text after the block', `${block('CERTIFICATE', 'MAA=')}trailer`],
    ['mismatched labels', '-----BEGIN CERTIFICATE-----\nMAA=\n-----END X509 CRL-----\n'],
    ['a character outside base64', block('CERTIFICATE', 'MA*=')],
    ['misplaced padding', block('CERTIFICATE', 'M=AA')],
    ['a length that is not a multiple of 4', block('CERTIFICATE', 'MAA')],
    ['non-zero padding bits', block('CERTIFICATE', 'MAB=')],
    ['an empty body', block('CERTIFICATE', '')],
    ['a header line', block('CERTIFICATE', 'Proc-Type: 4,ENCRYPTED\nMAA=')],
  ])('should refuse %s', (_what, text) => {
    expect(() => decodePem(text)).toThrow(RangeError);
  });

  it('should round-trip what encodePem writes, 64 columns wide', () => {
    const der = Buffer.alloc(100, 7); // 136 base64 characters
    const pem = encodePem(der, 'CERTIFICATE');
    expect(pem.split('\n').map((l) => l.length)).toEqual([27, 64, 64, 8, 25, 0]);
    expect(decodePem(pem)).toEqual([{ label: 'CERTIFICATE', der }]);
  });
});

describe(assertSingleDerSequence.name, () => {
  it('should accept one SEQUENCE with a short or a long length', () => {
    expect(() => assertSingleDerSequence(Buffer.from([0x30, 0x01, 0x05]))).not.toThrow();
    const long = Buffer.concat([Buffer.from([0x30, 0x81, 0x80]), Buffer.alloc(0x80)]);
    expect(() => assertSingleDerSequence(long)).not.toThrow();
  });

  it.each([
    ['trailing bytes', [0x30, 0x01, 0x05, 0x00]],
    ['a truncated element', [0x30, 0x05, 0x05]],
    ['an indefinite length', [0x30, 0x80, 0x00, 0x00]],
    ['a non-minimal length', [0x30, 0x81, 0x01, 0x05]],
    ['another tag', [0x31, 0x00]],
    ['one byte', [0x30]],
  ])('should refuse %s', (_what, bytes) => {
    expect(() => assertSingleDerSequence(Buffer.from(bytes))).toThrow(RangeError);
  });
});
