import { RRClass, RRType } from '../wire/constants';
import { decodeDnsName, encodeDnsName } from '../wire/dns-name';

/** The fields of a TSIG RR (RFC 8945 §4.2). Names are canonical (lower case, no trailing dot). */
export interface TsigRecord {
  keyName: string;
  /** Algorithm name as a domain name, e.g. `hmac-sha256`. */
  algorithm: string;
  /** Seconds since the epoch, 48 bits. */
  timeSigned: number;
  /** Permitted clock skew in seconds. */
  fudge: number;
  mac: Buffer;
  originalId: number;
  /** TSIG error code: 0, or BADSIG (16), BADKEY (17), BADTIME (18), ... */
  error: number;
  otherData: Buffer;
}

const TWO_32 = 2 ** 32;

/** Encodes the complete TSIG RR: owner = key name, TYPE TSIG, CLASS ANY, TTL 0, RDATA. */
export function encodeTsigRecord(record: TsigRecord): Buffer {
  const algorithm = encodeDnsName(record.algorithm);
  const rdata = Buffer.alloc(algorithm.length + 16 + record.mac.length + record.otherData.length);
  let offset = algorithm.copy(rdata, 0);
  offset = writeUint48(rdata, record.timeSigned, offset);
  offset = rdata.writeUInt16BE(record.fudge, offset);
  offset = rdata.writeUInt16BE(record.mac.length, offset);
  offset += record.mac.copy(rdata, offset);
  offset = rdata.writeUInt16BE(record.originalId, offset);
  offset = rdata.writeUInt16BE(record.error, offset);
  offset = rdata.writeUInt16BE(record.otherData.length, offset);
  record.otherData.copy(rdata, offset);

  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(RRType.TSIG, 0);
  fixed.writeUInt16BE(RRClass.ANY, 2);
  fixed.writeUInt32BE(0, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeDnsName(record.keyName), fixed, rdata]);
}

/**
 * Decodes the TSIG RR that starts at `offset` and must end exactly at `end`.
 * Throws a plain `Error` on anything malformed.
 */
export function decodeTsigRecord(message: Buffer, offset: number, end: number): TsigRecord {
  const owner = decodeDnsName(message, offset);
  let position = owner.next;
  need(message, position, 10, end);
  if (message.readUInt16BE(position) !== RRType.TSIG) throw new Error('record is not a TSIG RR');
  if (message.readUInt16BE(position + 2) !== RRClass.ANY) throw new Error('TSIG RR class is not ANY');
  if (message.readUInt32BE(position + 4) !== 0) throw new Error('TSIG RR TTL is not 0');
  position += 10;
  // RFC 8945 §4.2: the algorithm name must not be compressed; refusing pointers here also
  // keeps the digest (which uses the canonical form) unambiguous.
  const algorithm = decodeUncompressed(message, position, end);
  position = algorithm.next;
  need(message, position, 10, end);
  const timeSigned = message.readUInt16BE(position) * TWO_32 + message.readUInt32BE(position + 2);
  const fudge = message.readUInt16BE(position + 6);
  const macLength = message.readUInt16BE(position + 8);
  position += 10;
  need(message, position, macLength + 6, end);
  const mac = Buffer.from(message.subarray(position, position + macLength));
  position += macLength;
  const originalId = message.readUInt16BE(position);
  const error = message.readUInt16BE(position + 2);
  const otherLength = message.readUInt16BE(position + 4);
  position += 6;
  need(message, position, otherLength, end);
  const otherData = Buffer.from(message.subarray(position, position + otherLength));
  if (position + otherLength !== end) throw new Error('TSIG RDATA length does not match its fields');
  return {
    keyName: owner.name,
    algorithm: algorithm.name,
    timeSigned,
    fudge,
    mac,
    originalId,
    error,
    otherData,
  };
}

/**
 * The "TSIG variables" that follow the message in every digest (RFC 8945 §4.3.3):
 * key name and algorithm name in canonical wire form, CLASS ANY, TTL 0, time signed,
 * fudge, error, other len, other data. MAC and original ID are not part of it.
 */
export function encodeTsigVariables(record: TsigRecord): Buffer {
  const classAndTtl = Buffer.alloc(6);
  classAndTtl.writeUInt16BE(RRClass.ANY, 0);
  classAndTtl.writeUInt32BE(0, 2);
  const timing = Buffer.alloc(12);
  writeUint48(timing, record.timeSigned, 0);
  timing.writeUInt16BE(record.fudge, 6);
  timing.writeUInt16BE(record.error, 8);
  timing.writeUInt16BE(record.otherData.length, 10);
  return Buffer.concat([
    encodeDnsName(record.keyName),
    classAndTtl,
    encodeDnsName(record.algorithm),
    timing,
    record.otherData,
  ]);
}

function writeUint48(buffer: Buffer, value: number, offset: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 48)
    throw new RangeError('time does not fit 48 bits');
  buffer.writeUInt16BE(Math.floor(value / TWO_32), offset);
  buffer.writeUInt32BE(value % TWO_32, offset + 2);
  return offset + 6;
}

function decodeUncompressed(message: Buffer, offset: number, end: number): { name: string; next: number } {
  let position = offset;
  while (position < end && message[position] !== 0) {
    if ((message[position] & 0xc0) !== 0) throw new Error('TSIG algorithm name is compressed');
    position += 1 + message[position];
  }
  if (position >= end) throw new Error('TSIG algorithm name runs past the record');
  return decodeDnsName(message, offset);
}

function need(message: Buffer, position: number, length: number, end: number): void {
  if (position + length > end || position + length > message.length)
    throw new Error('TSIG RDATA is truncated');
}
