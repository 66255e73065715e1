import { readHeader } from '../wire/message-layout';
import { TsigKey } from './tsig-key';
import { encodeTsigRecord, encodeTsigVariables, TsigRecord } from './tsig-record';

/** Permitted clock skew in seconds; 300 is what RFC 8945 §10 recommends and BIND uses. */
export const DEFAULT_TSIG_FUDGE = 300;

export interface TsigSignOptions {
  /** Clock, in milliseconds since the epoch. Default: `Date.now()`. */
  now?: number;
  /** Default {@link DEFAULT_TSIG_FUDGE}. */
  fudge?: number;
  /**
   * MAC of the request being answered. Only set when signing a response (servers, test
   * doubles): RFC 8945 §4.3.1 prefixes it to the digest.
   */
  requestMac?: Buffer;
}

export interface SignedMessage {
  /** The message with the TSIG RR appended and ARCOUNT incremented. */
  message: Buffer;
  /** The MAC just computed; needed to verify the response (RFC 8945 §5.3). */
  mac: Buffer;
}

/**
 * Signs a complete, unsigned message (RFC 8945 §4.3.2): MAC over the message as it is,
 * then the TSIG variables; the TSIG RR then goes last in the additional section.
 */
export function signMessage(message: Buffer, key: TsigKey, options: TsigSignOptions = {}): SignedMessage {
  const header = readHeader(message);
  const record: TsigRecord = {
    keyName: key.name,
    algorithm: key.algorithm,
    timeSigned: Math.floor((options.now ?? Date.now()) / 1000),
    fudge: options.fudge ?? DEFAULT_TSIG_FUDGE,
    mac: Buffer.alloc(0),
    originalId: header.id,
    error: 0,
    otherData: Buffer.alloc(0),
  };
  const mac = key.mac([...requestMacPrefix(options.requestMac), message, encodeTsigVariables(record)]);
  const signed = Buffer.concat([message, encodeTsigRecord({ ...record, mac })]);
  signed.writeUInt16BE(header.arcount + 1, 10);
  return { message: signed, mac };
}

/** `MAC size (u16) || MAC` of the request, the prefix of a response digest; empty for requests. */
export function requestMacPrefix(requestMac: Buffer | undefined): Buffer[] {
  if (!requestMac) return [];
  const size = Buffer.alloc(2);
  size.writeUInt16BE(requestMac.length, 0);
  return [size, requestMac];
}
