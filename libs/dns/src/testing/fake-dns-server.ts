import { createSocket, Socket as UdpSocket } from 'node:dgram';
import { createServer, Server, Socket } from 'node:net';
import { once } from 'node:events';

/** `undefined` drops the request (no answer), a `Buffer` is sent back as the answer. */
export type FakeDnsHandler = (request: Buffer, transport: 'udp' | 'tcp') => Buffer | undefined;

/**
 * A scriptable DNS server on 127.0.0.1, UDP and TCP on the same port, for unit tests of the
 * transport and providers: it records every request and answers what the handler returns.
 * Test-only; not exported from the library.
 */
export class FakeDnsServer {
  readonly received: Array<{ transport: 'udp' | 'tcp'; message: Buffer }> = [];
  handler: FakeDnsHandler;

  private constructor(
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    readonly port: number,
    handler: FakeDnsHandler,
  ) {
    this.handler = handler;
    udp.on('message', (message, peer) => {
      this.received.push({ transport: 'udp', message });
      const answer = this.handler(message, 'udp');
      if (answer) udp.send(answer, peer.port, peer.address);
    });
    tcp.on('connection', (socket) => this.serveTcp(socket));
  }

  static async start(handler: FakeDnsHandler = () => undefined): Promise<FakeDnsServer> {
    // Take a free TCP port, then claim the same port for UDP; retry on the rare collision.
    for (let attempt = 0; ; attempt++) {
      const tcp = createServer();
      tcp.listen(0, '127.0.0.1');
      await once(tcp, 'listening');
      const port = (tcp.address() as { port: number }).port;
      const udp = createSocket('udp4');
      try {
        udp.bind(port, '127.0.0.1');
        await once(udp, 'listening');
        return new FakeDnsServer(udp, tcp, port, handler);
      } catch (error) {
        udp.close();
        tcp.close();
        if (attempt >= 5) throw error;
      }
    }
  }

  get endpoint(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  async close(): Promise<void> {
    this.udp.close();
    this.tcp.close();
    await once(this.tcp, 'close');
  }

  private serveTcp(socket: Socket): void {
    let buffered = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + message.length);
        this.received.push({ transport: 'tcp', message });
        const answer = this.handler(message, 'tcp');
        if (!answer) {
          socket.destroy();
          return;
        }
        const length = Buffer.alloc(2);
        length.writeUInt16BE(answer.length, 0);
        socket.write(Buffer.concat([length, answer]));
      }
    });
  }
}

/** Flags that {@link echoAnswer} can set. */
export interface EchoFlags {
  tc?: boolean;
  aa?: boolean;
  rcode?: number;
  id?: number;
}

/** An "answer" that is the request itself with QR (and the given flags) set: enough for transport tests. */
export function echoAnswer(request: Buffer, flags: EchoFlags = {}): Buffer {
  const answer = Buffer.from(request);
  let bits = (answer.readUInt16BE(2) | 0x8000) & ~0x000f;
  if (flags.tc) bits |= 0x0200;
  if (flags.aa) bits |= 0x0400;
  bits |= flags.rcode ?? 0;
  answer.writeUInt16BE(bits, 2);
  if (flags.id !== undefined) answer.writeUInt16BE(flags.id, 0);
  return answer;
}
