import { errorTitle } from './error-title';

describe('errorTitle', () => {
  it("should name the CA's ACME problems by their own name", () => {
    expect(errorTitle('urn:ietf:params:acme:error:rejectedIdentifier')).toBe('rejectedIdentifier');
    expect(errorTitle('urn:ietf:params:acme:error:dns')).toBe('dns');
  });

  it("should mark fleetcert's own errors, so that they never read as the CA's", () => {
    expect(errorTitle('urn:fleetcert:error:dns')).toBe('dns (fleetcert)');
  });

  it('should show any other type whole', () => {
    expect(errorTitle('urn:example:odd')).toBe('urn:example:odd');
    expect(errorTitle('unknown')).toBe('unknown');
  });
});
