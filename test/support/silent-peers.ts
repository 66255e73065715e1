import { createSocket, Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, Socket } from 'node:net';

/**
 * A TCP server on loopback that accepts connections and never says a word (not even a TLS
 * handshake): a CA, or any HTTP peer, that does not answer.
 */
export interface SilentTcpServer {
  port: number;
  /** Every connection it accepted, in order. */
  connections: Socket[];
  close(): void;
}

export async function startSilentTcpServer(): Promise<SilentTcpServer> {
  const connections: Socket[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    socket.resume(); // reads (and drops) what comes, so that the client's close is seen
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    connections,
    close() {
      connections.forEach((socket) => socket.destroy());
      server.close();
    },
  };
}

/** A UDP socket on loopback that never answers: a nameserver a worker told to check waits on. */
export async function startSilentNameserver(): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}
