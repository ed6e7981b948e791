import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findApiKey } from '#shared/accounts/api-key-store.ts';
import { parseApiKey, secretMatches } from '#shared/accounts/api-keys.ts';
import { createPool } from '#shared/db/pool.ts';
import { withDatabase } from '#test/support/db.ts';
import { runScript } from '#test/support/run-script.ts';

const SCRIPT = new URL('../../../scripts/db-setup.ts', import.meta.url);

describe('scripts/db-setup.ts on an empty database', () => {
  const databaseName = `t_db_setup_${process.pid}`;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    const admin = createPool(inject('mysqlUrl'), { connectionLimit: 1 });
    await admin.query(`CREATE DATABASE \`${databaseName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    url = withDatabase(inject('mysqlUrl'), databaseName);
    dir = await mkdtemp(join(tmpdir(), 'forgecast-db-setup-'));
  });

  afterAll(async () => {
    const admin = createPool(inject('mysqlUrl'), { connectionLimit: 1 });
    await admin.query(`DROP DATABASE IF EXISTS \`${databaseName}\``);
    await admin.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('migrates, writes one operator key (0600) whose hash alone is stored, and refuses a second', async () => {
    const keyFile = join(dir, 'operator-key');
    const first = await runScript(SCRIPT, { MYSQL_URL: url }, ['--operator-key-file', keyFile]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied \[1, 2, 3/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);

    const plaintext = (await readFile(keyFile, 'utf8')).trim();
    expect(first.stdout).not.toContain(plaintext);
    const parsed = parseApiKey(plaintext);
    if (!parsed) throw new Error('the written key does not parse');
    const pool = createPool(url, { connectionLimit: 1 });
    try {
      const stored = await findApiKey(pool, parsed.keyId);
      expect(stored?.scopes).toContain('admin');
      expect(stored && secretMatches(parsed.secret, stored.secretHash)).toBe(true);
    } finally {
      await pool.end();
    }

    const again = await runScript(SCRIPT, { MYSQL_URL: url }, [
      '--operator-key-file',
      join(dir, 'second-key'),
    ]);
    expect(again.code).toBe(64);
    expect(again.stdout).toMatch(/applied \[\], already applied \[1, 2/);
    expect(again.stderr).toContain('operator organisation already exists');
    await expect(stat(join(dir, 'second-key'))).rejects.toThrow();
  });

  it('creates a data-only application user whose URL goes to a 0600 file; DDL is refused to it', async () => {
    const user = `fc_app_${process.pid}`;
    const urlFile = join(dir, 'app-url');
    try {
      const outcome = await runScript(SCRIPT, { MYSQL_URL: url }, [
        '--app-user',
        user,
        '--app-host',
        '127.0.0.1',
        '--app-url-file',
        urlFile,
      ]);
      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(0);
      expect((await stat(urlFile)).mode & 0o777).toBe(0o600);
      const appUrl = (await readFile(urlFile, 'utf8')).trim();
      const password = decodeURIComponent(new URL(appUrl).password);
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(outcome.stdout).not.toContain(password);
      expect(new URL(appUrl).username).toBe(user);

      const app = createPool(appUrl, { connectionLimit: 1 });
      try {
        await app.query(
          "INSERT INTO organisations (id, name, kind) VALUES ('01JAPPUSERTEST0000000000AA', 'x', 'designer')",
        );
        const [rows] = await app.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM organisations');
        expect(Number(rows[0]?.n)).toBeGreaterThan(0);
        await app.query("DELETE FROM organisations WHERE id = '01JAPPUSERTEST0000000000AA'");
        await expect(app.query('CREATE TABLE intruder (id INT)')).rejects.toMatchObject({
          code: 'ER_TABLEACCESS_DENIED_ERROR',
        });
        await expect(app.query('DROP TABLE organisations')).rejects.toMatchObject({
          code: 'ER_TABLEACCESS_DENIED_ERROR',
        });
      } finally {
        await app.end();
      }

      const again = await runScript(SCRIPT, { MYSQL_URL: url }, [
        '--app-user',
        user,
        '--app-url-file',
        join(dir, 'again'),
      ]);
      expect(again.code).toBe(64);
      expect(again.stderr).toContain('exists already');
      await expect(stat(join(dir, 'again'))).rejects.toThrow();
    } finally {
      const admin = createPool(inject('mysqlUrl'), { connectionLimit: 1 });
      await admin.query("DROP USER IF EXISTS ?@'%'", [user]);
      await admin.end();
    }
  });

  it('refuses a missing database URL by name', async () => {
    const outcome = await runScript(SCRIPT, {});
    expect(outcome.code).toBe(64);
    expect(outcome.stderr).toContain('MYSQL_URL is required');
  });
});
