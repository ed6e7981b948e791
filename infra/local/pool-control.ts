import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PoolMember } from '#shared/pool/container-pool.ts';

/** What the control API drives: the local TranscoderPool's slots. */
export interface ControlledPool {
  members(): readonly PoolMember[];
  startMember(id: string): void;
  stopMember(id: string): void;
}

export interface RunningPoolControl {
  /** POOL_CONTROL_URL for the scaler. */
  readonly url: string;
  close(): Promise<void>;
}

const MEMBER_ACTION = /^\/members\/([^/]+)\/(start|stop)$/;

/**
 * The local cloud's stand-in for the Container Instances power actions, on loopback only (the
 * scaler's local adapter is the sole client; shared/pool/local-container-pool.ts has the API):
 * list the slots, start one, stop one. Actions answer 202 like OCI, including when they change
 * nothing; an unknown slot is 404.
 */
export async function startPoolControl(pool: ControlledPool, port = 0): Promise<RunningPoolControl> {
  const server = createServer((request, response) => {
    try {
      route(pool, request, response);
    } catch (err) {
      const unknown = err instanceof Error && err.name === 'UnknownPoolMemberError';
      send(response, unknown ? 404 : 500, { code: unknown ? 'NotFound' : 'InternalError' });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function route(pool: ControlledPool, request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://pool').pathname;
  if (request.method === 'GET' && path === '/members') {
    send(response, 200, { members: pool.members() });
    return;
  }
  const action = path.match(MEMBER_ACTION);
  if (request.method === 'POST' && action) {
    const id = decodeURIComponent(action[1] ?? '');
    if (action[2] === 'start') pool.startMember(id);
    else pool.stopMember(id);
    send(response, 202, {});
    return;
  }
  send(response, 404, { code: 'NotFound' });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    .end(text);
}
