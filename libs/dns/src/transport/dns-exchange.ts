import { DnsUnavailableError } from '../errors/dns-unavailable.error';
import { MAX_UDP_MESSAGE } from '../wire/constants';
import { readHeader } from '../wire/message-layout';
import { DnsEndpoint, formatEndpoint } from './dns-endpoint';
import { resolveEndpoint, ResolvedEndpoint } from './resolve-host';
import { tcpExchange } from './tcp-exchange';
import { udpExchange } from './udp-exchange';

/** How one request/response exchange with a DNS server behaves. */
export interface DnsExchangeOptions {
  /**
   * Budget for the whole exchange, in ms: name resolution, every UDP attempt and the TCP
   * fallback. Exceeding it throws {@link DnsUnavailableError}. Default {@link DEFAULT_DNS_TIMEOUT_MS}.
   */
  timeoutMs?: number;
  /** UDP transmissions (first one included), spread evenly over the budget. Default 3. */
  udpAttempts?: number;
  /** Use TCP only. Default `false`: UDP first, TCP when the answer is truncated or the request exceeds 512 bytes. */
  tcpOnly?: boolean;
}

export const DEFAULT_DNS_TIMEOUT_MS = 5000;
const DEFAULT_UDP_ATTEMPTS = 3;

/**
 * Sends one DNS message and returns the raw response that answers it (same ID, opcode and
 * question). UDP first; TCP when the request does not fit a 512-byte datagram or the UDP
 * answer has TC set. Throws {@link DnsUnavailableError} when the server cannot be reached
 * or does not answer within `timeoutMs`. The response's RCODE and signature are the caller's.
 */
export async function exchangeDnsMessage(
  endpoint: DnsEndpoint,
  message: Buffer,
  options: DnsExchangeOptions = {},
): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS;
  const attempts = options.udpAttempts ?? DEFAULT_UDP_ATTEMPTS;
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError('udpAttempts must be a positive integer');

  const label = formatEndpoint(endpoint);
  const deadline = Date.now() + timeoutMs;
  const target = await withDeadline(resolveEndpoint(endpoint), deadline, label);

  if (options.tcpOnly || message.length > MAX_UDP_MESSAGE)
    return tcpExchange(target, message, { deadline, label });
  const response = await udpExchange(target, message, { deadline, attempts, label });
  if (!readHeader(response).tc) return response;
  return tcpExchange(target, message, { deadline, label });
}

async function withDeadline(
  resolving: Promise<ResolvedEndpoint>,
  deadline: number,
  label: string,
): Promise<ResolvedEndpoint> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DnsUnavailableError(label, 'host name resolution timed out')),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([resolving, expired]);
  } finally {
    clearTimeout(timer);
  }
}
