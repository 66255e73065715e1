import { createSocket } from 'node:dgram';
import { DnsUnavailableError } from '../errors/dns-unavailable.error';
import { ResolvedEndpoint } from './resolve-host';
import { isResponseTo } from './response-match';
import { describeSocketError } from './socket-errors';

export interface UdpExchangeOptions {
  /** Give up at this time (ms since the epoch). */
  deadline: number;
  /** Transmissions of the same datagram, spread evenly until the deadline. */
  attempts: number;
  /** The server as `host:port`, for errors. */
  label: string;
}

/**
 * Sends `message` over UDP and resolves with the first datagram that answers it.
 *
 * One connected socket serves all attempts: the kernel then drops datagrams from other
 * sources, reports ICMP "port unreachable" as ECONNREFUSED (so a dead server fails fast
 * instead of at the deadline), and a late answer to an earlier transmission still counts.
 * Retransmitting is safe for our messages: queries are read-only and our updates are
 * idempotent (RFC 2136 §3.4.2 add/delete semantics).
 */
export function udpExchange(
  target: ResolvedEndpoint,
  message: Buffer,
  options: UdpExchangeOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(target.family === 6 ? 'udp6' : 'udp4');
    const startedAt = Date.now();
    let sent = 0;
    let settled = false;
    let retransmit: NodeJS.Timeout | undefined;

    const finish = (error: Error | undefined, response?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(retransmit);
      clearTimeout(deadline);
      socket.close();
      if (error) reject(error);
      else resolve(response!);
    };
    const fail = (reason: string, cause?: unknown) =>
      finish(new DnsUnavailableError(options.label, reason, cause === undefined ? undefined : { cause }));

    const deadline = setTimeout(
      () =>
        fail(`no answer within ${Date.now() - startedAt} ms (${sent} UDP attempt${sent === 1 ? '' : 's'})`),
      Math.max(0, options.deadline - Date.now()),
    );

    const transmit = () => {
      if (settled) return;
      sent += 1;
      socket.send(message, (error) => {
        if (error) fail(describeSocketError(error), error);
      });
      const remaining = options.deadline - Date.now();
      const left = options.attempts - sent;
      if (left > 0 && remaining > 0) retransmit = setTimeout(transmit, remaining / (left + 1));
    };

    socket.on('error', (error) => fail(describeSocketError(error), error));
    socket.on('message', (datagram) => {
      if (isResponseTo(message, datagram)) finish(undefined, datagram);
    });
    socket.connect(target.port, target.address, transmit);
  });
}
