import { readHeader } from '../wire/message-layout';
import { skipDnsName } from '../wire/dns-name';
import { HEADER_LENGTH } from '../wire/constants';

/**
 * True when `response` answers `request`: same ID, QR set, same opcode, and (when the
 * response echoes it) the same question, compared case-insensitively. Anything else on
 * our socket is a stray or spoofed datagram and is ignored, not trusted.
 */
export function isResponseTo(request: Buffer, response: Buffer): boolean {
  try {
    const asked = readHeader(request);
    const answered = readHeader(response);
    if (!answered.qr || answered.id !== asked.id || answered.opcode !== asked.opcode) return false;
    // FORMERR and some error responses legitimately omit the question.
    if (answered.qdcount === 0) return true;
    if (answered.qdcount !== asked.qdcount) return false;
    const askedQuestion = questionBytes(request, asked.qdcount);
    const answeredQuestion = questionBytes(response, answered.qdcount);
    return (
      askedQuestion.length === answeredQuestion.length && lower(askedQuestion) === lower(answeredQuestion)
    );
  } catch {
    return false;
  }
}

function questionBytes(message: Buffer, count: number): Buffer {
  let offset = HEADER_LENGTH;
  for (let i = 0; i < count; i++) offset = skipDnsName(message, offset) + 4;
  if (offset > message.length) throw new Error('question runs past the end of the message');
  return message.subarray(HEADER_LENGTH, offset);
}

function lower(bytes: Buffer): string {
  return bytes.toString('latin1').toLowerCase();
}
