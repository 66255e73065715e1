/** One decoded PEM block (RFC 7468). */
export interface PemBlock {
  /** The label between `-----BEGIN ` and `-----`, e.g. `CERTIFICATE`. */
  label: string;
  der: Buffer;
}

// Sticky: each block must start where the previous one ended (after whitespace).
const BLOCK_SOURCE = String.raw`\s*-----BEGIN ([A-Z0-9]+(?: [A-Z0-9]+)*)-----\r?\n([\s\S]*?)-----END ([A-Z0-9]+(?: [A-Z0-9]+)*)-----`;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes a text made only of PEM blocks, strictly.
 *
 * Stricter than RFC 7468's lax parsers on purpose: the text comes from devices, and anything
 * we silently skip (explanatory text, headers, a second block, bytes after the END line) is
 * something the CA or an auditor may read differently from us. So: whitespace is the only
 * thing allowed between and around blocks, the body must be canonical base64 (re-encoding it
 * gives the same characters, which rules out non-zero padding bits), and BEGIN/END labels
 * must match.
 *
 * @throws RangeError describing the first problem found.
 */
export function decodePem(text: string): PemBlock[] {
  const block = new RegExp(BLOCK_SOURCE, 'y');
  const blocks: PemBlock[] = [];
  let end = 0;
  for (let match = block.exec(text); match; match = block.exec(text)) {
    const [, label, body, endLabel] = match;
    if (label !== endLabel) throw new RangeError(`PEM block BEGIN ${label} ends with END ${endLabel}`);
    blocks.push({ label, der: decodeBase64Strict(body, label) });
    end = block.lastIndex;
  }
  if (blocks.length === 0) {
    throw new RangeError(
      text.includes('-----BEGIN ')
        ? 'text before the first PEM block, or a malformed BEGIN line'
        : 'no PEM block found (expected -----BEGIN ...-----)',
    );
  }
  if (text.slice(end).trim() !== '') throw new RangeError('unexpected text after the last PEM block');
  return blocks;
}

function decodeBase64Strict(body: string, label: string): Buffer {
  const compact = body.replace(/[ \t\r\n]/g, '');
  if (compact === '' || !BASE64.test(compact)) throw new RangeError(`PEM block ${label} is not valid base64`);
  const der = Buffer.from(compact, 'base64');
  // Buffer's decoder ignores non-zero padding bits; the round trip catches them.
  if (der.toString('base64') !== compact) throw new RangeError(`PEM block ${label} is not canonical base64`);
  return der;
}

/** Encodes DER as one PEM block: 64-character lines, `\n` line ends, a final newline. */
export function encodePem(der: Uint8Array, label: string): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
