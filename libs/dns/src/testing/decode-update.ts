import { decodeDnsName } from '../wire/dns-name';
import { readLayout } from '../wire/message-layout';

/** One RR as our tests compare them: numbers for type and class, RDATA as hex. */
export interface DecodedRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: string;
}

/**
 * Decodes an UPDATE message's zone and update sections by hand. dns-packet cannot: it has
 * no CLASS NONE and misreads the empty RDATA of an RRset deletion. Test-only.
 */
export function decodeUpdate(message: Buffer): {
  opcode: number;
  zone: DecodedRecord[];
  updates: DecodedRecord[];
} {
  const layout = readLayout(message);
  const zoneName = decodeDnsName(message, 12);
  const zone = [
    {
      name: zoneName.name,
      type: message.readUInt16BE(zoneName.next),
      class: message.readUInt16BE(zoneName.next + 2),
      ttl: 0,
      rdata: '',
    },
  ];
  const updates = layout.records
    .filter((r) => r.section === 'authority')
    .map((r) => {
      const owner = decodeDnsName(message, r.offset);
      return {
        name: owner.name,
        type: message.readUInt16BE(owner.next),
        class: message.readUInt16BE(owner.next + 2),
        ttl: message.readUInt32BE(owner.next + 4),
        rdata: message.subarray(owner.next + 10, r.end).toString('hex'),
      };
    });
  return { opcode: layout.header.opcode, zone, updates };
}
