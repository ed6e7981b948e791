import type { TestProject } from 'vitest/node';

/**
 * One real MariaDB for the whole run (or MYSQL_URL when given). Each test file creates its
 * own database through `test/support/db.ts`, so files never see each other's rows.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { startTestDatabaseServer } = await import('./database-server.ts');
  const server = await startTestDatabaseServer();
  project.provide('mysqlUrl', server.url);
  return async () => {
    await server.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    mysqlUrl: string;
  }
}
