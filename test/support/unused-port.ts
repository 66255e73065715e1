import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A loopback TCP port nothing listens on at the time of the call: connecting to it is
 * refused at once, and a server told to listen on it finds it free (unless another
 * process takes it in between, which the kernel's port allocation makes unlikely).
 */
export async function unusedLoopbackPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
