import { inspect } from 'node:util';
import { TsigVerificationError } from '../errors/tsig-verification.error';
import { readLayout } from '../wire/message-layout';
import { TsigKey } from './tsig-key';
import { decodeTsigRecord, encodeTsigRecord } from './tsig-record';
import { signMessage } from './tsig-sign';
import { verifyMessage } from './tsig-verify';
import {
  CapturedExchange,
  DIG_SHA256_SOA,
  DIG_SHA512_SOA,
  DIG_WRONG_SECRET_BADSIG,
  NSUPDATE_SHA256_ADD_TXT,
  VECTOR_KEYS,
} from './tsig.vectors';

const sha256 = new TsigKey(VECTOR_KEYS.sha256);
const sha512 = new TsigKey(VECTOR_KEYS.sha512);
const hex = (value: string) => Buffer.from(value, 'hex');

/** Splits a signed message into the unsigned original and its TSIG fields. */
function unsign(message: Buffer) {
  const layout = readLayout(message);
  const tsig = layout.records.at(-1)!;
  const unsigned = Buffer.from(message.subarray(0, tsig.offset));
  unsigned.writeUInt16BE(layout.header.arcount - 1, 10);
  return { unsigned, record: decodeTsigRecord(message, tsig.offset, tsig.end) };
}

describe('TSIG', () => {
  describe('against messages signed by BIND', () => {
    const cases: Array<[string, CapturedExchange, TsigKey]> = [
      ['dig, hmac-sha256', DIG_SHA256_SOA, sha256],
      ['dig, hmac-sha512', DIG_SHA512_SOA, sha512],
      ['nsupdate, hmac-sha256', NSUPDATE_SHA256_ADD_TXT, sha256],
    ];

    it.each(cases)('should verify the request signed by %s', (_, vector, key) => {
      const record = verifyMessage(hex(vector.request), key, { now: vector.capturedAt });
      expect(record).toMatchObject({ keyName: key.name, algorithm: key.algorithm, fudge: 300, error: 0 });
      expect(record.mac).toHaveLength(key.macLength);
    });

    it.each(cases)("should verify named's response to %s, chained to the request MAC", (_, vector, key) => {
      const requestMac = verifyMessage(hex(vector.request), key, { now: vector.capturedAt }).mac;
      const record = verifyMessage(hex(vector.response), key, { requestMac, now: vector.capturedAt });
      expect(record.keyName).toBe(key.name);
    });

    it.each(cases)('should sign byte-for-byte what %s signed', (_, vector, key) => {
      const { unsigned, record } = unsign(hex(vector.request));
      const ours = signMessage(unsigned, key, { now: record.timeSigned * 1000 });
      expect(ours.message.toString('hex')).toBe(vector.request);
      expect(ours.mac.equals(record.mac)).toBe(true);
    });

    it('should reject a response chained to another request', () => {
      const otherMac = verifyMessage(hex(DIG_SHA256_SOA.request), sha256, {
        now: DIG_SHA256_SOA.capturedAt,
      }).mac;
      otherMac[0] ^= 1;
      expect(() =>
        verifyMessage(hex(DIG_SHA256_SOA.response), sha256, {
          requestMac: otherMac,
          now: DIG_SHA256_SOA.capturedAt,
        }),
      ).toThrow(/response MAC does not match/);
    });

    it('should reject a message when any bit outside the ID is flipped', () => {
      const original = hex(DIG_SHA256_SOA.response);
      const requestMac = verifyMessage(hex(DIG_SHA256_SOA.request), sha256, {
        now: DIG_SHA256_SOA.capturedAt,
      }).mac;
      const accepted: number[] = [];
      // The header ID is excluded from the MAC on purpose (RFC 8945 §4.3.2: original ID).
      for (let offset = 2; offset < original.length; offset++) {
        for (const bit of [0x01, 0x80]) {
          const mutated = Buffer.from(original);
          mutated[offset] ^= bit;
          try {
            verifyMessage(mutated, sha256, { requestMac, now: DIG_SHA256_SOA.capturedAt });
            accepted.push(offset);
          } catch (error) {
            expect(error).toBeInstanceOf(TsigVerificationError);
          }
        }
      }
      expect(accepted).toEqual([]);
    });

    it('should reject a message verified with the wrong secret', () => {
      const wrong = new TsigKey({ ...VECTOR_KEYS.sha256, secret: Buffer.alloc(32, 7).toString('base64') });
      expect(() =>
        verifyMessage(hex(DIG_SHA256_SOA.request), wrong, { now: DIG_SHA256_SOA.capturedAt }),
      ).toThrow(/MAC does not match/);
    });

    it('should reject a message signed with another key name or algorithm', () => {
      const otherName = new TsigKey({ ...VECTOR_KEYS.sha256, name: 'someone-else' });
      expect(() =>
        verifyMessage(hex(DIG_SHA256_SOA.request), otherName, { now: DIG_SHA256_SOA.capturedAt }),
      ).toThrow(/signed with key "fleetcert-sha256", expected "someone-else"/);
      const otherAlgorithm = new TsigKey({ ...VECTOR_KEYS.sha512, name: VECTOR_KEYS.sha256.name });
      expect(() =>
        verifyMessage(hex(DIG_SHA256_SOA.request), otherAlgorithm, { now: DIG_SHA256_SOA.capturedAt }),
      ).toThrow(/signed with hmac-sha256, expected hmac-sha512/);
    });

    it('should enforce the time window in both directions', () => {
      const { capturedAt, request } = DIG_SHA256_SOA;
      const signedAt = unsign(hex(request)).record.timeSigned * 1000;
      expect(() => verifyMessage(hex(request), sha256, { now: signedAt + 300_999 })).not.toThrow();
      expect(() => verifyMessage(hex(request), sha256, { now: signedAt + 301_000 })).toThrow(
        /from our clock/,
      );
      expect(() => verifyMessage(hex(request), sha256, { now: signedAt - 301_000 })).toThrow(
        /from our clock/,
      );
      expect(() => verifyMessage(hex(request), sha256, { now: capturedAt, maxFudge: 0 })).not.toThrow();
      expect(() => verifyMessage(hex(request), sha256, { now: signedAt + 2_000, maxFudge: 1 })).toThrow(
        /allowed 1 s/,
      );
    });

    it("should report the server's BADSIG when it rejected our signature", () => {
      const { request, response, capturedAt } = DIG_WRONG_SECRET_BADSIG;
      const requestMac = unsign(hex(request)).record.mac;
      let caught: unknown;
      try {
        verifyMessage(hex(response), sha256, { requestMac, now: capturedAt });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TsigVerificationError);
      expect(caught).toMatchObject({ tsigError: 'BADSIG' });
      expect((caught as Error).message).toMatch(/rejected our signature with BADSIG \(RCODE NOTAUTH\)/);
    });

    it('should reject an unsigned response', () => {
      const { unsigned } = unsign(hex(DIG_SHA256_SOA.response));
      expect(() => verifyMessage(unsigned, sha256, { requestMac: Buffer.alloc(32) })).toThrow(
        'TSIG verification failed: response is not signed (RCODE NOERROR)',
      );
    });

    it('should reject a truncated MAC', () => {
      const { unsigned, record } = unsign(hex(DIG_SHA256_SOA.request));
      // RFC 8945 §5.2.2.1 allows truncation on request; we never ask for it, so refuse it.
      const truncated = Buffer.concat([
        unsigned,
        encodeTsigRecord({ ...record, mac: record.mac.subarray(0, 16) }),
      ]);
      truncated.writeUInt16BE(unsigned.readUInt16BE(10) + 1, 10);
      expect(() => verifyMessage(truncated, sha256, { now: DIG_SHA256_SOA.capturedAt })).toThrow(
        /MAC is 16 octets, expected 32/,
      );
    });
  });

  describe('round trip', () => {
    it.each([sha256, sha512])('should verify a response signed with the request MAC ($algorithm)', (key) => {
      const { unsigned } = unsign(hex(NSUPDATE_SHA256_ADD_TXT.request));
      const request = signMessage(unsigned, key);
      const { unsigned: answer } = unsign(hex(NSUPDATE_SHA256_ADD_TXT.response));
      const response = signMessage(answer, key, { requestMac: request.mac });
      expect(response.message.readUInt16BE(10)).toBe(answer.readUInt16BE(10) + 1);
      expect(verifyMessage(response.message, key, { requestMac: request.mac }).keyName).toBe(key.name);
      expect(() => verifyMessage(response.message, key)).toThrow(/MAC does not match/);
    });
  });

  describe(TsigKey.name, () => {
    it('should canonicalise the key name', () => {
      expect(new TsigKey({ ...VECTOR_KEYS.sha256, name: 'FleetCert-SHA256.' }).name).toBe('fleetcert-sha256');
    });

    it.each([
      ['not base64', 'not base64!', /not valid base64/],
      ['too short', Buffer.alloc(8).toString('base64'), /shorter than 16 bytes/],
      ['empty', '', /shorter than 16 bytes/],
    ])('should refuse a secret that is %s without echoing it', (_, secret, message) => {
      let caught: Error | undefined;
      try {
        new TsigKey({ ...VECTOR_KEYS.sha256, secret });
      } catch (error) {
        caught = error as Error;
      }
      expect(caught?.message).toMatch(message);
      if (secret) expect(caught?.message).not.toContain(secret);
    });

    it('should refuse an unsupported algorithm', () => {
      expect(() => new TsigKey({ ...VECTOR_KEYS.sha256, algorithm: 'hmac-md5' as never })).toThrow(
        'TSIG algorithm must be one of hmac-sha256, hmac-sha512',
      );
    });

    it('should never reveal the secret when serialised or inspected', () => {
      const printed = [
        JSON.stringify(sha512),
        inspect(sha512),
        inspect({ nested: sha512 }, { depth: 5 }),
        `${sha512}`,
      ];
      for (const text of printed) {
        expect(text).not.toContain(VECTOR_KEYS.sha512.secret);
        expect(text).not.toContain(Buffer.from(VECTOR_KEYS.sha512.secret, 'base64').toString('hex'));
      }
      expect(JSON.parse(printed[0])).toEqual({
        name: 'fleetcert-sha512',
        algorithm: 'hmac-sha512',
        secret: '[redacted]',
      });
    });
  });
});
