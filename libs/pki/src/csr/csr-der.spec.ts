import { generateKeys, makeCsr } from '../testing/pki-fixtures';
import { csrDer } from './csr-der';
import { parseCsr } from './parse-csr';

describe(csrDer.name, () => {
  it('should return the same DER bytes as parseCsr', async () => {
    const pem = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: ['d1.fleet.test'] });
    expect(csrDer(pem).equals((await parseCsr(pem)).der)).toBe(true);
  });

  it('should refuse text without a CSR block', () => {
    expect(() => csrDer('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(TypeError);
  });
});
