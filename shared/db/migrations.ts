import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { connectionOptionsFromUrl, type DbPool, SESSION_OPTIONS, UTC_SESSION_SQL } from './pool.ts';

/**
 * Versioned schema migrations: `infra/db/migrations/NNNN_name.sql`, applied in order, once
 * each, recorded with a checksum in `schema_migrations`. MySQL DDL commits implicitly, so a
 * migration that fails half-way is not rolled back: write each file so that it can be fixed
 * forward (one concern per file, `IF NOT EXISTS` where it helps).
 */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../infra/db/migrations/', import.meta.url));

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly fileName: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationResult {
  /** Versions applied by this call, in order. */
  readonly applied: readonly number[];
  /** Versions found already applied. */
  readonly alreadyApplied: readonly number[];
}

/**
 * One round trip that proves the database answers: the server's version and the highest applied
 * migration (null before the first), for the health check. Lives here because this module
 * owns `schema_migrations`.
 */
export async function ping(pool: DbPool): Promise<{ version: string; migration: number | null }> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT VERSION() AS version, (SELECT MAX(version) FROM schema_migrations) AS migration',
  );
  const migration = rows[0]?.migration;
  return {
    version: String(rows[0]?.version),
    migration: migration === null || migration === undefined ? null : Number(migration),
  };
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const LOCK_TIMEOUT_SECONDS = 120;

export async function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new MigrationError(`Cannot read the migrations folder ${dir}`, { cause: err });
  }
  const migrations: MigrationFile[] = [];
  for (const fileName of entries.filter((entry) => entry.endsWith('.sql')).sort()) {
    const match = FILE_PATTERN.exec(fileName);
    if (match === null) {
      throw new MigrationError(`Migration file ${fileName} must be named NNNN_lower_snake_name.sql`);
    }
    const [, versionText = '', name = ''] = match;
    const version = Number.parseInt(versionText, 10);
    if (migrations.some((existing) => existing.version === version)) {
      throw new MigrationError(`Two migration files share version ${versionText}`);
    }
    // Line endings must not change the checksum when a checkout converts them.
    const sql = (await readFile(join(dir, fileName), 'utf8')).replace(/\r\n/g, '\n');
    const checksum = createHash('sha256').update(sql).digest('hex');
    migrations.push({ version, name, fileName, sql, checksum });
  }
  return migrations;
}

export async function migrate(url: string, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationResult> {
  const migrations = await loadMigrations(dir);
  const options = connectionOptionsFromUrl(url);
  if (options.database === undefined) {
    throw new MigrationError('The database URL must name a database to migrate');
  }
  // A dedicated connection: migration files hold several statements each.
  // Loaded here, not at module scope: the health function imports `ping` and must not load the driver early.
  const { default: mysql } = await import('mysql2/promise');
  const connection = await mysql.createConnection({
    ...options,
    ...SESSION_OPTIONS,
    multipleStatements: true,
  });
  try {
    await connection.query(UTC_SESSION_SQL);
    const lockName = `forgecast.migrate.${options.database}`.slice(0, 64);
    await acquireLock(connection, lockName);
    try {
      return await applyPending(connection, migrations);
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    await connection.end();
  }
}

async function acquireLock(connection: Connection, lockName: string): Promise<void> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS acquired', [
    lockName,
    LOCK_TIMEOUT_SECONDS,
  ]);
  if (rows[0]?.acquired !== 1) {
    throw new MigrationError(
      `Another migrator held the lock ${lockName} for more than ${LOCK_TIMEOUT_SECONDS} s`,
    );
  }
}

async function applyPending(connection: Connection, migrations: readonly MigrationFile[]) {
  await connection.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INT UNSIGNED NOT NULL PRIMARY KEY,
      name VARCHAR(200) NOT NULL,
      checksum CHAR(64) NOT NULL,
      applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      duration_ms INT UNSIGNED NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  // Read after taking the lock: a concurrent migrator may have just finished.
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
  const recorded = new Map(rows.map((row) => [Number(row.version), row]));
  const byVersion = new Map(migrations.map((migration) => [migration.version, migration]));

  for (const [version, row] of recorded) {
    const file = byVersion.get(version);
    if (file === undefined) {
      throw new MigrationError(
        `Migration ${version} (${String(row.name)}) is applied but its file is missing; restore it`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${file.fileName} changed after it was applied; add a new migration instead of editing it`,
      );
    }
  }

  const applied: number[] = [];
  for (const migration of migrations) {
    if (recorded.has(migration.version)) continue;
    const highestRecorded = Math.max(0, ...recorded.keys());
    if (migration.version < highestRecorded) {
      throw new MigrationError(
        `Migration ${migration.fileName} is older than applied migration ${highestRecorded}; renumber it`,
      );
    }
    const started = Date.now();
    try {
      await connection.query(migration.sql);
    } catch (err) {
      throw new MigrationError(`Migration ${migration.fileName} failed (it may be partly applied)`, {
        cause: err,
      });
    }
    await connection.query(
      'INSERT INTO schema_migrations (version, name, checksum, duration_ms) VALUES (?, ?, ?, ?)',
      [migration.version, migration.name, migration.checksum, Date.now() - started],
    );
    applied.push(migration.version);
  }
  return { applied, alreadyApplied: [...recorded.keys()] };
}
