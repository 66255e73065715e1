import { HEADER_LENGTH } from './constants';
import { skipDnsName } from './dns-name';

/** The fixed 12-byte header (RFC 1035 §4.1.1), decoded. */
export interface MessageHeader {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

/** Where one resource record sits in a message. */
export interface RecordLocation {
  /** Offset of the owner name. */
  offset: number;
  /** Offset just past the RDATA. */
  end: number;
  type: number;
  section: 'answer' | 'authority' | 'additional';
}

/** The byte layout of a message: enough to strip a trailing TSIG RR or compare questions. */
export interface MessageLayout {
  header: MessageHeader;
  /** Offset just past the question (in UPDATE: zone) section. */
  questionEnd: number;
  records: RecordLocation[];
}

/** Decodes the header; throws a plain `Error` when the message is shorter than a header. */
export function readHeader(message: Buffer): MessageHeader {
  if (message.length < HEADER_LENGTH) throw new Error('message shorter than a DNS header');
  const flags = message.readUInt16BE(2);
  return {
    id: message.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    qdcount: message.readUInt16BE(4),
    ancount: message.readUInt16BE(6),
    nscount: message.readUInt16BE(8),
    arcount: message.readUInt16BE(10),
  };
}

/**
 * Walks every section without decoding RDATA. Throws a plain `Error` when a count does not
 * match the content or bytes trail the last record: a message we cannot delimit exactly
 * cannot be authenticated either.
 */
export function readLayout(message: Buffer): MessageLayout {
  const header = readHeader(message);
  let offset = HEADER_LENGTH;
  for (let i = 0; i < header.qdcount; i++) {
    offset = skipDnsName(message, offset) + 4;
    if (offset > message.length) throw new Error('question runs past the end of the message');
  }
  const questionEnd = offset;
  const records: RecordLocation[] = [];
  const sections = [
    ['answer', header.ancount],
    ['authority', header.nscount],
    ['additional', header.arcount],
  ] as const;
  for (const [section, count] of sections) {
    for (let i = 0; i < count; i++) {
      const start = offset;
      const fixed = skipDnsName(message, offset);
      if (fixed + 10 > message.length) throw new Error('record header runs past the end of the message');
      const end = fixed + 10 + message.readUInt16BE(fixed + 8);
      if (end > message.length) throw new Error('record data runs past the end of the message');
      records.push({ offset: start, end, type: message.readUInt16BE(fixed), section });
      offset = end;
    }
  }
  if (offset !== message.length) throw new Error('bytes trail the last record');
  return { header, questionEnd, records };
}
