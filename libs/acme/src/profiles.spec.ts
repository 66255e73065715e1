import { ProfileUnavailableError } from './profile-unavailable.error';
import { chooseProfile } from './profiles';

const LETS_ENCRYPT = { classic: 'default', tlsserver: '45 days', shortlived: '160 hours' };

describe(chooseProfile.name, () => {
  describe('when the CA advertises no profiles (Pebble 2.4)', () => {
    it('should send none, whatever was asked', () => {
      expect(chooseProfile({ advertised: undefined, hasIp: false })).toBeUndefined();
      expect(
        chooseProfile({ advertised: {}, requested: 'shortlived', fleetDefault: 'classic', hasIp: true }),
      ).toBeUndefined();
    });
  });

  describe('for DNS names', () => {
    it("should prefer the device's request, then the fleet default, then the CA's default", () => {
      expect(
        chooseProfile({
          advertised: LETS_ENCRYPT,
          requested: 'tlsserver',
          fleetDefault: 'classic',
          hasIp: false,
        }),
      ).toBe('tlsserver');
      expect(chooseProfile({ advertised: LETS_ENCRYPT, fleetDefault: 'classic', hasIp: false })).toBe(
        'classic',
      );
      expect(chooseProfile({ advertised: LETS_ENCRYPT, hasIp: false })).toBeUndefined();
    });

    it('should refuse a profile the CA does not advertise', () => {
      expect(() => chooseProfile({ advertised: LETS_ENCRYPT, requested: 'forever', hasIp: false })).toThrow(
        'requested profile "forever" is not offered by the CA (offered: classic, tlsserver, shortlived)',
      );
      expect(() => chooseProfile({ advertised: LETS_ENCRYPT, fleetDefault: 'gold', hasIp: false })).toThrow(
        /fleet default profile "gold"/,
      );
    });
  });

  describe('for IP addresses', () => {
    it('should use shortlived, overriding the fleet default', () => {
      expect(chooseProfile({ advertised: LETS_ENCRYPT, hasIp: true })).toBe('shortlived');
      expect(chooseProfile({ advertised: LETS_ENCRYPT, fleetDefault: 'classic', hasIp: true })).toBe(
        'shortlived',
      );
      expect(chooseProfile({ advertised: LETS_ENCRYPT, requested: 'shortlived', hasIp: true })).toBe(
        'shortlived',
      );
    });

    it('should refuse another profile asked for by the device', () => {
      expect(() => chooseProfile({ advertised: LETS_ENCRYPT, requested: 'classic', hasIp: true })).toThrow(
        'profile "classic" cannot certify IP identifiers: only "shortlived" can',
      );
    });

    it('should refuse when the CA advertises profiles but not shortlived', () => {
      let error: unknown;
      try {
        chooseProfile({ advertised: { classic: 'default' }, hasIp: true });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProfileUnavailableError);
      expect(error).toMatchObject({ profile: 'shortlived', advertised: ['classic'] });
    });
  });
});
