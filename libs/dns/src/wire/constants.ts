// Numeric protocol values, spelled out here rather than taken from dns-packet: it has no
// CLASS NONE (254) and no UPDATE-specific names, and we write those bytes by hand.

/** RR TYPE values (RFC 1035, 3596, 8945). */
export const RRType = {
  A: 1,
  NS: 2,
  SOA: 6,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  TSIG: 250,
  ANY: 255,
} as const;

/** CLASS values; NONE and ANY carry special meanings in UPDATE messages (RFC 2136 §2.4, §2.5). */
export const RRClass = {
  IN: 1,
  NONE: 254,
  ANY: 255,
} as const;

/** Header OPCODE values. */
export const Opcode = {
  QUERY: 0,
  UPDATE: 5,
} as const;

/** DNS messages over UDP without EDNS are limited to 512 bytes (RFC 1035 §4.2.1). */
export const MAX_UDP_MESSAGE = 512;

/** Size of the fixed message header. */
export const HEADER_LENGTH = 12;

const RCODE_NAMES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

/** Mnemonic of a header RCODE (4 bits). */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

/** Mnemonics of the TSIG `Error` field (RFC 8945 §3, IANA "DNS RCODEs"). */
const TSIG_ERROR_NAMES: Record<number, string> = {
  0: 'NOERROR',
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  19: 'BADMODE',
  20: 'BADNAME',
  21: 'BADALG',
  22: 'BADTRUNC',
  23: 'BADCOOKIE',
};

/** Mnemonic of a TSIG error code (16 bits). */
export function tsigErrorName(code: number): string {
  return TSIG_ERROR_NAMES[code] ?? rcodeName(code);
}
