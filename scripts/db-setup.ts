/**
 * Prepares a forgecast database outside the local cloud (MySQL HeatWave in OCI, reached through a
 * Bastion port-forwarding session): applies pending migrations and, once, creates the operator
 * organisation with an all-scopes API key.
 *
 *   MYSQL_URL=mysql://admin:…@127.0.0.1:3306/forgecast node scripts/db-setup.ts \
 *     [--operator-key-file ./operator-key]
 *
 * The key's plaintext goes only to the named file (created, mode 0600, never overwritten); the
 * database keeps its hash. More keys are issued through the accounts API with that key.
 */
import { rm, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { RowDataPacket } from 'mysql2';
import { insertApiKey, insertOrganisation } from '../shared/accounts/api-key-store.ts';
import { issueApiKey, SCOPES } from '../shared/accounts/api-keys.ts';
import { readConfig } from '../shared/config/config.ts';
import { databaseConfig } from '../shared/config/platform.ts';
import { migrate } from '../shared/db/migrations.ts';
import { createPool, withTransaction } from '../shared/db/pool.ts';
import { ConfigError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';

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
    const key = issueApiKey();
    await withTransaction(
      pool,
      async (connection) => {
        const orgId = newId();
        await insertOrganisation(connection, { id: orgId, name: 'Operator', kind: 'operator' });
        await insertApiKey(connection, {
          keyId: key.keyId,
          orgId,
          name: 'bootstrap',
          secretHash: key.secretHash,
          scopes: SCOPES,
        });
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'operator-key-file': { type: 'string' } } });
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
}

try {
  await main();
} catch (err) {
  const usage = err instanceof ConfigError || err instanceof SetupRefusedError || err instanceof TypeError;
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(usage ? 64 : 1);
}
