import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local service could not take its port; says which and how to choose another. */
export class PortInUseError extends Error {
  readonly port: number;

  constructor(service: string, host: string, port: number, options: { cause: unknown }) {
    super(`${service} cannot listen on ${host}:${port}: the port is already in use`, options);
    this.name = 'PortInUseError';
    this.port = port;
  }
}

/**
 * Listens on `host:port` (0 = any free port) and resolves with the address taken. A listen
 * failure rejects instead of surfacing as an unhandled `error` event, which would crash the
 * local cloud with a stack trace and skip its orderly stop.
 */
export async function listen(
  server: Server,
  port: number,
  host: string,
  service: string,
): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(service, host, port, { cause: err }) : err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
