import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStorageEvent } from '#events/object-storage-event.ts';
import { type RunningS3Server, type S3ServerOptions, startS3Server } from '../../infra/local/s3/server.ts';

export interface S3TestServerOptions
  extends Omit<S3ServerOptions, 'dataDir' | 'port' | 'namespace' | 'onObjectEvent'>,
    Partial<Pick<S3ServerOptions, 'namespace'>> {
  /** Prefix of the temporary directory that holds the server's data. */
  readonly tempPrefix: string;
}

export interface S3TestServer {
  /** Temporary directory made for this server; the data lives in `dataDir` below it. */
  readonly root: string;
  readonly dataDir: string;
  /** The running server (a new one after `restart`). */
  readonly server: RunningS3Server;
  /** Object events the server emitted, in order, across restarts. */
  readonly events: ObjectStorageEvent[];
  /** Stops the server and starts a new one on the same data. */
  restart(): Promise<RunningS3Server>;
  /** Stops the server and removes `root`. */
  stop(): Promise<void>;
}

/** The embedded S3 server on a free port over a fresh temporary directory, recording its events. */
export async function startS3TestServer(options: S3TestServerOptions): Promise<S3TestServer> {
  const { tempPrefix, ...rest } = options;
  const root = await mkdtemp(join(tmpdir(), tempPrefix));
  const dataDir = join(root, 'data');
  const events: ObjectStorageEvent[] = [];
  const serverOptions: S3ServerOptions = {
    namespace: 'forgecast-ns',
    ...rest,
    dataDir,
    port: 0,
    onObjectEvent: (event) => {
      events.push(event);
    },
  };
  let server = await startS3Server(serverOptions);
  return {
    root,
    dataDir,
    events,
    get server() {
      return server;
    },
    async restart() {
      await server.stop();
      server = await startS3Server(serverOptions);
      return server;
    },
    async stop() {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
