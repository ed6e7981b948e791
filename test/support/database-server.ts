import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb } from '../../infra/local/mariadb.ts';

export interface TestDatabaseServer {
  /** Server URL; tests create their own databases on it (see `createTestDatabase`). */
  readonly url: string;
  stop(): Promise<void>;
}

/** `MYSQL_URL` when set (CI with a service container), else a private MariaDB in a temp dir. */
export async function startTestDatabaseServer(): Promise<TestDatabaseServer> {
  const external = process.env.MYSQL_URL;
  if (external !== undefined && external !== '') {
    return { url: external, stop: async () => {} };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'forgecast-test-db-'));
  try {
    const server = await startMariaDb({ dataDir });
    return {
      url: server.url,
      async stop() {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
