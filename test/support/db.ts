import { randomBytes } from 'node:crypto';
import { migrate } from '#shared/db/migrations.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  readonly pool: DbPool;
  drop(): Promise<void>;
}

/** A fresh, migrated database on the test server, so test files never see each other's rows. */
export async function createTestDatabase(baseUrl: string, name = 'test'): Promise<TestDatabase> {
  const databaseName = `t_${name
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(baseUrl, databaseName);
  const admin = createPool(baseUrl, { connectionLimit: 1 });
  try {
    await admin.query(`CREATE DATABASE \`${databaseName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  await migrate(url);
  const pool = createPool(url, { connectionLimit: 10, multipleStatements: true });
  return {
    url,
    name: databaseName,
    pool,
    async drop() {
      await pool.end();
      const dropper = createPool(baseUrl, { connectionLimit: 1 });
      try {
        await dropper.query(`DROP DATABASE IF EXISTS \`${databaseName}\``);
      } finally {
        await dropper.end();
      }
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
