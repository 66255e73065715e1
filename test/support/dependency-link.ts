import { createServer, type Server, type Socket, connect } from 'node:net';
import { once } from 'node:events';

/**
 * A TCP relay between the code under test and a real dependency (Postgres, Redis), which a
 * test can cut and mend: what a restart, a failover or a network partition looks like from
 * the application's side. Cut, it drops every open connection and refuses new ones
 * (ECONNREFUSED), as a stopped server does; mended, it relays on the same port again.
 */
export interface DependencyLink {
  /** `url` with its host and port replaced by the relay's. */
  readonly url: string;
  cut(): Promise<void>;
  /**
   * Stops relaying on every open connection without closing it, as when the server's host
   * vanishes (a failover, a partition): queries sent on them get no answer and no reset.
   * New connections still reach the server unless `blackhole` is set.
   */
  stall(opts?: { blackhole?: boolean }): void;
  /** Relays new connections again. Stalled ones stay silent: their server is gone. */
  mend(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_PORTS: Record<string, number> = { 'postgresql:': 5432, 'postgres:': 5432, 'redis:': 6379 };

export async function startDependencyLink(url: string): Promise<DependencyLink> {
  const target = new URL(url);
  const targetPort = Number(target.port || DEFAULT_PORTS[target.protocol]);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let blackhole = false;

  const listen = async (port: number): Promise<number> => {
    server = createServer((client) => {
      if (blackhole) {
        // Accepted, then nothing: as a host that takes the connection and never answers.
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        client.on('error', () => undefined);
        return;
      }
      const upstream = connect(targetPort, target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        // A reset on either side ends both; the other side sees the reset, not a hang.
        s.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  };

  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  const port = await listen(0);
  const relayed = new URL(url);
  relayed.hostname = '127.0.0.1';
  relayed.port = String(port);

  return {
    url: relayed.toString(),
    cut: stop,
    stall(opts = {}) {
      blackhole = opts.blackhole ?? false;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    async mend() {
      blackhole = false;
      if (!server) await listen(port);
    },
    close: stop,
  };
}
