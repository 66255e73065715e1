import { Opcode, RRClass, RRType } from './constants';
import { encodeDnsName } from './dns-name';

/** One RR of an UPDATE message's update section (RFC 2136 §2.5). */
export interface UpdateRecord {
  /** Canonical owner name. */
  name: string;
  type: number;
  /** `IN` to add, `ANY` to delete an RRset, `NONE` to delete one RR. */
  class: number;
  ttl: number;
  rdata: Buffer;
}

/**
 * Builds an unsigned RFC 2136 UPDATE message: the zone section names the zone's SOA, the
 * prerequisite and additional sections are empty, the update section holds `updates`
 * in order. The server applies all of them or none (RFC 2136 §3.4).
 *
 * Names are written uncompressed: messages are small and it keeps encoding trivially exact.
 */
export function buildUpdateMessage(id: number, zone: string, updates: readonly UpdateRecord[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(Opcode.UPDATE << 11, 2);
  header.writeUInt16BE(1, 4); // ZOCOUNT
  header.writeUInt16BE(0, 6); // PRCOUNT
  header.writeUInt16BE(updates.length, 8); // UPCOUNT
  header.writeUInt16BE(0, 10); // ADCOUNT, until TSIG is appended

  const zoneSection = Buffer.concat([encodeDnsName(zone), u16(RRType.SOA), u16(RRClass.IN)]);
  const records = updates.map((update) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(update.type, 0);
    fixed.writeUInt16BE(update.class, 2);
    fixed.writeUInt32BE(update.ttl, 4);
    fixed.writeUInt16BE(update.rdata.length, 8);
    return Buffer.concat([encodeDnsName(update.name), fixed, update.rdata]);
  });
  return Buffer.concat([header, zoneSection, ...records]);
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value, 0);
  return buffer;
}
