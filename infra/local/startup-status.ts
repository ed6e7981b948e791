import { createServer } from 'node:http';
import { listen } from './listen.ts';

/**
 * What the local cloud still has to do before it is ready, served on loopback for the health
 * function (STARTUP_STATUS_URL): until every step is done, `GET /v1/health` answers 503 naming
 * them, so a script that waits for health cannot race the start-up (the operator key, warm
 * functions). OCI has no such phase — a deployment is complete before traffic reaches it — so
 * production leaves STARTUP_STATUS_URL unset.
 */
export interface StartupStatus {
  readonly url: string;
  readonly ready: boolean;
  /** Steps not yet done, in the order they were announced. */
  readonly pending: readonly string[];
  done(step: string): void;
  close(): Promise<void>;
}

export async function startStartupStatus(steps: readonly string[]): Promise<StartupStatus> {
  const pending = new Set(steps);
  const server = createServer((request, response) => {
    const ok = request.method === 'GET' && (request.url ?? '/').split('?')[0] === '/';
    const body = JSON.stringify(
      ok ? { ready: pending.size === 0, starting: [...pending] } : { error: 'not found' },
    );
    response
      .writeHead(ok ? 200 : 404, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      })
      .end(body);
  });
  const { port } = await listen(server, 0, '127.0.0.1', 'start-up status');
  return {
    url: `http://127.0.0.1:${port}/`,
    get ready() {
      return pending.size === 0;
    },
    get pending() {
      return [...pending];
    },
    done(step) {
      pending.delete(step);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
