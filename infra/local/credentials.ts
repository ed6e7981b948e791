import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalCredentials {
  readonly s3AccessKeyId: string;
  readonly s3SecretAccessKey: string;
  /** Master key for envelope encryption in the local cloud (OCI Vault in production). */
  readonly masterKeyBase64: string;
  /** Signs playback URLs for the local edge (Fastly's token key in production). */
  readonly edgeTokenKeyHex: string;
  /** The local edge's stand-in for a Fastly API token (purges). */
  readonly cdnApiToken: string;
  /** Signs ticket codes (check-in QR codes). */
  readonly ticketCodeKeyHex: string;
  /** Shared secret the CDN's log streaming sends with each batch. */
  readonly cdnLogSecret: string;
  /** Salt for hashing viewers in CDN statistics (raw addresses are never stored). */
  readonly cdnViewerSalt: string;
  /** Salt that names a consenting signed-in person in analytics events (ANALYTICS_ID_SALT). */
  readonly analyticsIdSalt: string;
  /** A service account for signing Firebase custom tokens (chat), made locally. */
  readonly firebaseServiceAccountJson: string;
  /** The local Stripe server's API key and webhook signing secret. */
  readonly stripeSecretKey: string;
  readonly stripeWebhookSecret: string;
}

/**
 * Secrets of the local cloud, made on first start and kept (mode 0600) in the data folder, so
 * data encrypted or uploaded in one run still opens in the next.
 */
export async function loadOrCreateCredentials(dataDir: string): Promise<LocalCredentials> {
  const file = join(dataDir, 'local-credentials.json');
  let stored: Partial<LocalCredentials> | undefined;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Partial<LocalCredentials>;
  } catch {
    stored = undefined;
  }
  // Secrets added in later versions are filled in; existing ones are never replaced.
  const complete: LocalCredentials = {
    s3AccessKeyId: stored?.s3AccessKeyId ?? `FCLOCAL${randomBytes(6).toString('hex').toUpperCase()}`,
    s3SecretAccessKey: stored?.s3SecretAccessKey ?? randomBytes(30).toString('base64url'),
    masterKeyBase64: stored?.masterKeyBase64 ?? randomBytes(32).toString('base64'),
    edgeTokenKeyHex: stored?.edgeTokenKeyHex ?? randomBytes(32).toString('hex'),
    cdnApiToken: stored?.cdnApiToken ?? randomBytes(24).toString('base64url'),
    ticketCodeKeyHex: stored?.ticketCodeKeyHex ?? randomBytes(32).toString('hex'),
    cdnLogSecret: stored?.cdnLogSecret ?? randomBytes(32).toString('base64url'),
    cdnViewerSalt: stored?.cdnViewerSalt ?? randomBytes(32).toString('hex'),
    analyticsIdSalt: stored?.analyticsIdSalt ?? randomBytes(32).toString('hex'),
    firebaseServiceAccountJson: stored?.firebaseServiceAccountJson ?? localServiceAccount(),
    stripeSecretKey: stored?.stripeSecretKey ?? `sk_test_${randomBytes(24).toString('hex')}`,
    stripeWebhookSecret: stored?.stripeWebhookSecret ?? `whsec_${randomBytes(24).toString('hex')}`,
  };
  if (!stored || Object.keys(complete).some((key) => !(key in stored))) {
    await writeFile(file, JSON.stringify(complete, null, 2), { mode: 0o600 });
  }
  return complete;
}

function localServiceAccount(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify({
    type: 'service_account',
    project_id: 'forgecast-local',
    client_email: 'chat@forgecast-local.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  });
}
