import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { insertOperatorWithKey } from '../../shared/accounts/api-key-store.ts';
import { createPool } from '../../shared/db/pool.ts';

/**
 * On first start, an operator organisation and an API key with every scope, so a fresh local
 * cloud can be driven at once. The key is written once to `<data>/operator-key` (mode 0600);
 * only its hash is in the database.
 */
export async function ensureOperatorKey(
  mysqlUrl: string,
  dataDir: string,
): Promise<{ file: string; created: boolean }> {
  const file = join(dataDir, 'operator-key');
  try {
    await readFile(file, 'utf8');
    return { file, created: false };
  } catch {
    const pool = createPool(mysqlUrl, { connectionLimit: 1 });
    try {
      const key = await insertOperatorWithKey(pool, 'Local operator');
      await writeFile(file, `${key.plaintext}\n`, { mode: 0o600 });
      return { file, created: true };
    } finally {
      await pool.end();
    }
  }
}
