import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalCredentials {
  readonly s3AccessKeyId: string;
  readonly s3SecretAccessKey: string;
  /** Master key for envelope encryption in the local cloud (OCI Vault in production). */
  readonly masterKeyBase64: string;
}

/**
 * Secrets of the local cloud, made on first start and kept (mode 0600) in the data folder, so
 * data encrypted or uploaded in one run still opens in the next.
 */
export async function loadOrCreateCredentials(dataDir: string): Promise<LocalCredentials> {
  const file = join(dataDir, 'local-credentials.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LocalCredentials;
  } catch {
    const created: LocalCredentials = {
      s3AccessKeyId: `FCLOCAL${randomBytes(6).toString('hex').toUpperCase()}`,
      s3SecretAccessKey: randomBytes(30).toString('base64url'),
      masterKeyBase64: randomBytes(32).toString('base64'),
    };
    await writeFile(file, JSON.stringify(created, null, 2), { mode: 0o600 });
    return created;
  }
}
