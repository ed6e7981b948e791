/**
 * Prepares a forgecast database outside the local cloud (MySQL HeatWave in OCI, reached through a
 * Bastion port-forwarding session): applies pending migrations and, once, creates the operator
 * organisation with an all-scopes API key.
 *
 *   MYSQL_URL=mysql://admin:…@127.0.0.1:3306/forgecast node scripts/db-setup.ts \
 *     [--operator-key-file ./operator-key] \
 *     [--app-user forgecast_app --app-host <db private ip> --app-url-file ./app-mysql-url]
 *
 * The key's plaintext goes only to the named file (created, mode 0600, never overwritten); the
 * database keeps its hash. More keys are issued through the accounts API with that key.
 *
 * `--app-user` creates the account the functions and workers use: data rights only (SELECT,
 * INSERT, UPDATE, DELETE on the one database), no DDL, so a compromised function cannot drop or
 * alter tables. Its URL (random password) goes only to `--app-url-file`; give it to Terraform as
 * `mysql_url`. Migrations keep running as the admin.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { RowDataPacket } from 'mysql2';
import { insertOperatorWithKey } from '#shared/accounts/api-key-store.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { migrate } from '#shared/db/migrations.ts';
import { createPool, withTransaction } from '#shared/db/pool.ts';
import { ConfigError } from '#shared/errors.ts';

class SetupRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupRefusedError';
  }
}

async function createOperatorKey(mysqlUrl: string, file: string): Promise<void> {
  const pool = createPool(mysqlUrl, { connectionLimit: 1 });
  try {
    const [rows] = await pool.query<RowDataPacket[]>(
      "SELECT id FROM organisations WHERE kind = 'operator' LIMIT 1",
    );
    if (rows.length > 0) {
      throw new SetupRefusedError(
        'an operator organisation already exists: issue further keys through the accounts API',
      );
    }
    await withTransaction(
      pool,
      async (connection) => {
        const key = await insertOperatorWithKey(connection, 'Operator');
        // Written before the commit, exclusively: a key nobody holds must not become valid.
        await writeFile(file, `${key.plaintext}\n`, { mode: 0o600, flag: 'wx' }).catch((err: unknown) => {
          throw new SetupRefusedError(`cannot create ${file} (it must not exist yet): ${String(err)}`);
        });
      },
      { retries: 0 },
    ).catch(async (err: unknown) => {
      if (!(err instanceof SetupRefusedError)) await rm(file, { force: true });
      throw err;
    });
  } finally {
    await pool.end();
  }
}

const IDENTIFIER = /^[A-Za-z0-9_]{1,32}$/;

async function createAppUser(
  adminUrl: string,
  input: { user: string; host: string | undefined; file: string },
): Promise<void> {
  const admin = new URL(adminUrl);
  const database = admin.pathname.slice(1);
  if (!IDENTIFIER.test(input.user)) throw new SetupRefusedError('--app-user: letters, digits, _ (1–32)');
  if (!IDENTIFIER.test(database)) throw new SetupRefusedError('the database name must be letters, digits, _');
  const password = randomBytes(24).toString('base64url');
  const appUrl = new URL(adminUrl);
  appUrl.username = input.user;
  appUrl.password = password;
  if (input.host !== undefined) appUrl.hostname = input.host;
  const pool = createPool(adminUrl, { connectionLimit: 1 });
  try {
    const [existing] = await pool.query<RowDataPacket[]>('SELECT 1 FROM mysql.user WHERE User = ? LIMIT 1', [
      input.user,
    ]);
    if (existing.length > 0) {
      throw new SetupRefusedError(`the user ${input.user} exists already; drop it or choose another name`);
    }
    await writeFile(input.file, `${appUrl.toString()}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (err: unknown) => {
        throw new SetupRefusedError(`cannot create ${input.file} (it must not exist yet): ${String(err)}`);
      },
    );
    try {
      await pool.query("CREATE USER ?@'%' IDENTIFIED BY ?", [input.user, password]);
      await pool.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${database}\`.* TO ?@'%'`, [input.user]);
    } catch (err) {
      // A user left without its grants would block the next attempt ("exists already").
      await pool.query("DROP USER IF EXISTS ?@'%'", [input.user]).catch(() => undefined);
      await rm(input.file, { force: true });
      throw err;
    }
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'operator-key-file': { type: 'string' },
      'app-user': { type: 'string' },
      'app-host': { type: 'string' },
      'app-url-file': { type: 'string' },
    },
  });
  const config = readConfig(databaseConfig);
  const result = await migrate(config.MYSQL_URL);
  process.stdout.write(
    `migrations: applied [${result.applied.join(', ')}], already applied [${result.alreadyApplied.join(', ')}]\n`,
  );
  const file = values['operator-key-file'];
  if (file !== undefined) {
    await createOperatorKey(config.MYSQL_URL, file);
    process.stdout.write(`operator key written to ${file} (mode 0600)\n`);
  }
  const appUser = values['app-user'];
  if (appUser !== undefined) {
    const appUrlFile = values['app-url-file'];
    if (appUrlFile === undefined) throw new SetupRefusedError('--app-user needs --app-url-file');
    await createAppUser(config.MYSQL_URL, { user: appUser, host: values['app-host'], file: appUrlFile });
    process.stdout.write(
      `user ${appUser} created (data rights only); its URL is in ${appUrlFile} (mode 0600)\n`,
    );
  }
}

try {
  await main();
} catch (err) {
  const usage = err instanceof ConfigError || err instanceof SetupRefusedError || err instanceof TypeError;
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(usage ? 64 : 1);
}
