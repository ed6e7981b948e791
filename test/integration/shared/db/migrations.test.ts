import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadMigrations, MigrationError, migrate, ping } from '#shared/db/migrations.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { createTestDatabase, type TestDatabase, withDatabase } from '#test/support/db.ts';

describe('migrations', () => {
  let db: TestDatabase;
  let admin: DbPool;
  let scratchDir: string;
  const emptyDatabases: string[] = [];

  /** A database without any migration applied, for migrating scratch folders. */
  async function emptyDatabase(label: string): Promise<string> {
    const name = `${db.name}_${label}`;
    await admin.query(`CREATE DATABASE \`${name}\``);
    emptyDatabases.push(name);
    return withDatabase(inject('mysqlUrl'), name);
  }

  async function rowsOf(url: string, sql: string): Promise<RowDataPacket[]> {
    const pool = createPool(url, { connectionLimit: 1 });
    try {
      const [rows] = await pool.query<RowDataPacket[]>(sql);
      return rows;
    } finally {
      await pool.end();
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'migrations');
    admin = createPool(inject('mysqlUrl'), { connectionLimit: 1 });
    scratchDir = await mkdtemp(join(tmpdir(), 'forgecast-migrations-'));
  });

  afterAll(async () => {
    for (const name of emptyDatabases) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin?.end();
    await db?.drop();
    await rm(scratchDir, { recursive: true, force: true });
  });

  it('creates the platform tables and records the migration with its checksum', async () => {
    const [tables] = await db.pool.query<RowDataPacket[]>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
    );
    // Other migrations add their own tables; the platform ones must be there.
    expect(tables.map((row) => String(row.name))).toEqual(
      expect.arrayContaining([
        'dead_letters',
        'outbox',
        'processed_events',
        'queue_messages',
        'schema_migrations',
      ]),
    );
    const [recorded] = await db.pool.query<RowDataPacket[]>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const files = await loadMigrations();
    expect(recorded).toEqual(files.map(({ version, name, checksum }) => ({ version, name, checksum })));
    expect(recorded[0]).toMatchObject({ version: 1, name: 'platform' });
  });

  it('applies nothing the second time', async () => {
    const result = await migrate(db.url);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toEqual((await loadMigrations()).map((file) => file.version));
  });

  it('ping gives the server version and the highest applied migration, null before any', async () => {
    const files = await loadMigrations();
    const answer = await ping(db.pool);
    expect(answer.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(answer.migration).toBe(files.at(-1)?.version);

    const url = await emptyDatabase('ping');
    const dir = join(scratchDir, 'ping');
    await writeDir(dir, { '0001_only.sql': 'CREATE TABLE pinged (id INT PRIMARY KEY);' });
    await migrate(url, dir);
    const pool = createPool(url, { connectionLimit: 1 });
    try {
      await pool.query('DELETE FROM schema_migrations');
      expect((await ping(pool)).migration).toBeNull();
    } finally {
      await pool.end();
    }
  });

  it('applies multi-statement files in order, once each, even with concurrent migrators', async () => {
    const dir = join(scratchDir, 'ordered');
    await writeDir(dir, {
      '0001_first.sql': 'CREATE TABLE a (id INT PRIMARY KEY);\nINSERT INTO a VALUES (1);',
      '0002_second.sql': "ALTER TABLE a ADD COLUMN note VARCHAR(10);\nUPDATE a SET note = CONCAT('n', id);",
    });
    const url = await emptyDatabase('ordered');
    const results = await Promise.all([migrate(url, dir), migrate(url, dir), migrate(url, dir)]);
    expect(results.flatMap((result) => result.applied).sort()).toEqual([1, 2]);

    await writeFile(join(dir, '0003_third.sql'), "INSERT INTO a (id, note) VALUES (2, 'z');");
    expect((await migrate(url, dir)).applied).toEqual([3]);
    expect(await rowsOf(url, 'SELECT id, note FROM a ORDER BY id')).toEqual([
      { id: 1, note: 'n1' },
      { id: 2, note: 'z' },
    ]);
  });

  it('refuses a migration file edited after it was applied', async () => {
    const dir = join(scratchDir, 'edited');
    await writeDir(dir, { '0001_only.sql': 'CREATE TABLE edited_table (id INT PRIMARY KEY);' });
    const url = await emptyDatabase('edited');
    await migrate(url, dir);
    await writeFile(join(dir, '0001_only.sql'), 'CREATE TABLE edited_table (id BIGINT PRIMARY KEY);');
    await expect(migrate(url, dir)).rejects.toThrow(/0001_only.sql changed after it was applied/);
  });

  it('rejects badly named and duplicate files', async () => {
    const badName = join(scratchDir, 'bad-name');
    await writeDir(badName, { '1_oops.sql': 'SELECT 1;' });
    await expect(loadMigrations(badName)).rejects.toBeInstanceOf(MigrationError);
    const duplicate = join(scratchDir, 'duplicate');
    await writeDir(duplicate, { '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 2;' });
    await expect(loadMigrations(duplicate)).rejects.toThrow(/share version 0001/);
  });

  it('names the failing file and keeps the earlier migrations recorded', async () => {
    const dir = join(scratchDir, 'failing');
    await writeDir(dir, {
      '0001_good.sql': 'CREATE TABLE good (id INT PRIMARY KEY);',
      '0002_bad.sql': 'CREATE TABLE bad (id INT PRIMARY KEY;',
    });
    const url = await emptyDatabase('failing');
    const error = await migrate(url, dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain('0002_bad.sql');
    expect(await rowsOf(url, 'SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
  });
});

async function writeDir(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
}
