import { timingSafeEqual } from 'node:crypto';
import { TsigVerificationError } from '../errors/tsig-verification.error';
import { rcodeName, RRType, tsigErrorName } from '../wire/constants';
import { MessageLayout, readLayout } from '../wire/message-layout';
import { TsigKey } from './tsig-key';
import { decodeTsigRecord, encodeTsigVariables, TsigRecord } from './tsig-record';
import { DEFAULT_TSIG_FUDGE, requestMacPrefix } from './tsig-sign';

export interface TsigVerifyOptions {
  /**
   * MAC of the request this message answers. Set it when verifying a response: the digest
   * then covers the request MAC too (RFC 8945 §4.3.1), which binds the answer to our
   * question. Omit it to verify a request.
   */
  requestMac?: Buffer;
  /** Clock, in milliseconds since the epoch. Default: `Date.now()`. */
  now?: number;
  /**
   * Largest clock skew accepted, in seconds. The signer's own fudge applies when smaller.
   * Default {@link DEFAULT_TSIG_FUDGE}.
   */
  maxFudge?: number;
}

/**
 * Verifies the TSIG RR that ends a message (RFC 8945 §5.2, §5.3) and returns its fields.
 *
 * Throws {@link TsigVerificationError} when the message is unsigned or malformed, carries a
 * TSIG error (the server rejected our signature: BADSIG, BADKEY, BADTIME...), is signed with
 * another key or algorithm, has a truncated or wrong MAC, or was signed outside the time
 * window. Full-length MACs only: we never request truncation, so a short one is suspect.
 */
export function verifyMessage(message: Buffer, key: TsigKey, options: TsigVerifyOptions = {}): TsigRecord {
  const what = options.requestMac ? 'response' : 'message';
  let layout: MessageLayout;
  try {
    layout = readLayout(message);
  } catch (error) {
    throw new TsigVerificationError(`malformed ${what}: ${(error as Error).message}`);
  }
  const last = layout.records.at(-1);
  if (!last || last.section !== 'additional' || last.type !== RRType.TSIG) {
    throw new TsigVerificationError(`${what} is not signed (RCODE ${rcodeName(layout.header.rcode)})`);
  }
  if (layout.records.some((r) => r !== last && r.type === RRType.TSIG)) {
    throw new TsigVerificationError(`${what} carries more than one TSIG RR`);
  }

  let record: TsigRecord;
  try {
    record = decodeTsigRecord(message, last.offset, last.end);
  } catch (error) {
    throw new TsigVerificationError(`malformed TSIG RR: ${(error as Error).message}`);
  }
  if (record.error !== 0) {
    const name = tsigErrorName(record.error);
    throw new TsigVerificationError(
      `the server rejected our signature with ${name} (RCODE ${rcodeName(layout.header.rcode)}); ` +
        `check the key name, algorithm and secret of "${key.name}"${name === 'BADTIME' ? ' and the clocks' : ''}`,
      name,
    );
  }
  if (record.keyName !== key.name) {
    throw new TsigVerificationError(`${what} is signed with key "${record.keyName}", expected "${key.name}"`);
  }
  if (record.algorithm !== key.algorithm) {
    throw new TsigVerificationError(`${what} is signed with ${record.algorithm}, expected ${key.algorithm}`);
  }
  if (record.mac.length !== key.macLength) {
    throw new TsigVerificationError(`${what} MAC is ${record.mac.length} octets, expected ${key.macLength}`);
  }

  // The digest covers the message as it was before signing: without the TSIG RR, with
  // ARCOUNT decremented and the original ID restored (RFC 8945 §4.3.2, §5.2).
  const unsigned = Buffer.from(message.subarray(0, last.offset));
  unsigned.writeUInt16BE(record.originalId, 0);
  unsigned.writeUInt16BE(layout.header.arcount - 1, 10);
  const expected = key.mac([...requestMacPrefix(options.requestMac), unsigned, encodeTsigVariables(record)]);
  if (!timingSafeEqual(expected, record.mac)) {
    throw new TsigVerificationError(`${what} MAC does not match (wrong secret, or the ${what} was altered)`);
  }

  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const fudge = Math.min(record.fudge, options.maxFudge ?? DEFAULT_TSIG_FUDGE);
  if (Math.abs(now - record.timeSigned) > fudge) {
    throw new TsigVerificationError(
      `${what} was signed at ${record.timeSigned}, ${now - record.timeSigned} s from our clock (allowed ${fudge} s)`,
    );
  }
  return record;
}
