import { ariCertId } from './ari-cert-id';

// RFC 9773 §4.1's worked example.
const RFC_AKI = Buffer.from('69885B6B874640 41E1B37B847BA0AE2CDE01C8D4'.replace(/ /g, ''), 'hex');

describe(ariCertId.name, () => {
  it("should reproduce the RFC's example certID", () => {
    expect(ariCertId(RFC_AKI, Buffer.from('0087654321', 'hex'))).toBe('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  it('should not pad either part', () => {
    const id = ariCertId(Buffer.from([1, 2]), Buffer.from([3]));
    expect(id).toBe('AQI.Aw');
    expect(id).not.toContain('=');
  });

  it('should use the base64url alphabet', () => {
    expect(ariCertId(Buffer.from([0xfb, 0xff]), Buffer.from([0x7e, 0xff]))).toBe('-_8.fv8');
  });

  it('should refuse serial magnitude bytes that lack the DER sign byte', () => {
    expect(() => ariCertId(RFC_AKI, Buffer.from('87654321', 'hex'))).toThrow(/leading 0x00/);
  });

  it('should refuse a non-minimal serial encoding', () => {
    expect(() => ariCertId(RFC_AKI, Buffer.from('0001', 'hex'))).toThrow(/not minimal/);
  });

  it('should refuse empty inputs', () => {
    expect(() => ariCertId(Buffer.alloc(0), Buffer.from([1]))).toThrow(RangeError);
    expect(() => ariCertId(RFC_AKI, Buffer.alloc(0))).toThrow(RangeError);
  });
});
