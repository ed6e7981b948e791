import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { insertOperatorWithKey } from '#shared/accounts/api-key-store.ts';
import { createPool } from '#shared/db/pool.ts';

/** The scope the live ingest workers call `live-ingest` with (and nothing else). */
export const LIVE_INGEST_SCOPE = 'live:ingest';

/**
 * On first start, an operator organisation and an API key with every scope, so a fresh local
 * cloud can be driven at once. The key is written once to `<data>/operator-key` (mode 0600);
 * only its hash is in the database.
 */
export function ensureOperatorKey(
  mysqlUrl: string,
  dataDir: string,
): Promise<{ file: string; created: boolean; plaintext: string }> {
  return ensureKeyFile(mysqlUrl, join(dataDir, 'operator-key'), 'Local operator');
}

/**
 * The machine credential of the local live ingest worker: its own operator organisation with a
 * key scoped to `live:ingest` only, as on OCI (where it comes from Vault). `<data>/live-ingest-key`.
 */
export function ensureLiveIngestKey(
  mysqlUrl: string,
  dataDir: string,
): Promise<{ file: string; created: boolean; plaintext: string }> {
  return ensureKeyFile(mysqlUrl, join(dataDir, 'live-ingest-key'), 'Local live ingest', [LIVE_INGEST_SCOPE]);
}

async function ensureKeyFile(
  mysqlUrl: string,
  file: string,
  organisation: string,
  scopes?: readonly string[],
): Promise<{ file: string; created: boolean; plaintext: string }> {
  try {
    const plaintext = (await readFile(file, 'utf8')).trim();
    if (plaintext !== '') return { file, created: false, plaintext };
  } catch {
    // not made yet
  }
  const pool = createPool(mysqlUrl, { connectionLimit: 1 });
  try {
    const key = await insertOperatorWithKey(pool, organisation, scopes);
    await writeFile(file, `${key.plaintext}\n`, { mode: 0o600 });
    return { file, created: true, plaintext: key.plaintext };
  } finally {
    await pool.end();
  }
}
