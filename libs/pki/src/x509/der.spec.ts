import { oid, tlv } from '../testing/csr-builder';
import { derChildren, readDerElement, readIntegerContent, readOid, readSingleDerElement } from './der';

describe('DER reader', () => {
  it('should read an element with a long-form length and its children', () => {
    const der = tlv(0x30, tlv(0x04, Buffer.alloc(200)), tlv(0x05));
    const root = readSingleDerElement(der);
    expect(root).toEqual({ tag: 0x30, start: 0, contentStart: 3, end: der.length });
    expect(derChildren(der, root).map((child) => child.tag)).toEqual([0x04, 0x05]);
  });

  it.each([
    ['an indefinite length', [0x30, 0x80, 0x00, 0x00]],
    ['a long-form length under 128', [0x04, 0x81, 0x01, 0x00]],
    ['a length with a leading zero octet', [0x04, 0x82, 0x00, 0x81, ...Array(0x81).fill(0)]],
    ['more than 4 length octets', [0x04, 0x85, 0, 0, 0, 0, 1, 0]],
    ['a length past the end', [0x04, 0x02, 0x00]],
    ['a tag in high-tag-number form', [0x1f, 0x81, 0x00, 0x00]],
    ['a lone tag octet', [0x30]],
  ])('should refuse %s', (_what, bytes) => {
    expect(() => readDerElement(Buffer.from(bytes), 0, bytes.length)).toThrow(RangeError);
  });

  it('should refuse trailing bytes and a child that runs past its parent', () => {
    expect(() => readSingleDerElement(Buffer.from([0x05, 0x00, 0x00]))).toThrow(/1 trailing byte/);
    const der = Buffer.from([0x30, 0x03, 0x04, 0x02, 0x00, 0x00]);
    expect(() => derChildren(der, readDerElement(der, 0, 5))).toThrow(RangeError);
  });

  it('should read OIDs, including arcs beyond 2^53', () => {
    const read = (dotted: string) => {
      const der = oid(dotted);
      return readOid(der, readSingleDerElement(der));
    };
    expect(read('1.2.840.113549.1.9.14')).toBe('1.2.840.113549.1.9.14');
    expect(read('2.999.3')).toBe('2.999.3');
    const uuid = `2.25.${BigInt('0x' + 'f81d4fae7dec11d0a76500a0c91e6bf6')}`;
    expect(read(uuid)).toBe(uuid);
  });

  it.each([
    ['empty', []],
    ['with a non-minimal arc', [0x2a, 0x80, 0x01]],
    ['ending inside an arc', [0x2a, 0x86]],
  ])('should refuse an OID %s', (_what, content) => {
    const der = tlv(0x06, Buffer.from(content));
    expect(() => readOid(der, readSingleDerElement(der))).toThrow(RangeError);
  });

  it('should refuse empty and non-minimal INTEGERs', () => {
    for (const content of [[], [0x00, 0x01], [0xff, 0x80]]) {
      const der = tlv(0x02, Buffer.from(content));
      expect(() => readIntegerContent(der, readSingleDerElement(der), 'n')).toThrow(RangeError);
    }
    const der = tlv(0x02, Buffer.from([0x00, 0x80]));
    expect(readIntegerContent(der, readSingleDerElement(der), 'n')).toEqual(Buffer.from([0x00, 0x80]));
  });
});
