import { connect } from 'node:net';
import { DnsUnavailableError } from '../errors/dns-unavailable.error';
import { ResolvedEndpoint } from './resolve-host';
import { isResponseTo } from './response-match';
import { describeSocketError } from './socket-errors';

export interface TcpExchangeOptions {
  /** Give up at this time (ms since the epoch). */
  deadline: number;
  /** The server as `host:port`, for errors. */
  label: string;
}

/**
 * Sends `message` over TCP with the two-byte length prefix (RFC 1035 §4.2.2, RFC 7766) and
 * resolves with the one response, then closes the connection.
 */
export function tcpExchange(
  target: ResolvedEndpoint,
  message: Buffer,
  options: TcpExchangeOptions,
): Promise<Buffer> {
  if (message.length > 0xffff) return Promise.reject(new RangeError('DNS message longer than 65535 bytes'));
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const socket = connect({ host: target.address, port: target.port, family: target.family });
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const finish = (error: Error | undefined, response?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const fail = (reason: string, cause?: unknown) =>
      finish(new DnsUnavailableError(options.label, reason, cause === undefined ? undefined : { cause }));

    const deadline = setTimeout(
      () => fail(`no answer over TCP within ${Date.now() - startedAt} ms`),
      Math.max(0, options.deadline - Date.now()),
    );

    socket.setNoDelay(true);
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length, 0);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 2) return;
      const all = Buffer.concat(chunks);
      const length = all.readUInt16BE(0);
      if (all.length < 2 + length) return;
      const response = all.subarray(2, 2 + length);
      if (isResponseTo(message, response)) finish(undefined, response);
      else fail('answered over TCP with a message that does not match the request');
    });
    socket.on('error', (error) => fail(describeSocketError(error), error));
    socket.on('close', () => fail('closed the TCP connection before a complete answer'));
  });
}
