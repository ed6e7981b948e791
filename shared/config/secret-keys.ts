/**
 * Config keys whose values are secrets. In OCI they never appear as plain function config:
 * Terraform stores each in OCI Vault and sets `<KEY>_SECRET_OCID` instead, which the runtime
 * resolves through resource principals at cold start (shared/secrets/). Also the list the
 * logger and the catalog generator treat as sensitive.
 */
export const SECRET_CONFIG_KEYS = [
  'MYSQL_URL',
  'S3_SECRET_ACCESS_KEY',
  'CHAIN_RELAYER_KEY',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRETS',
  'FASTLY_API_TOKEN',
  'FASTLY_REVOCATION_API_TOKEN',
  'EDGE_TOKEN_KEYS',
  'TICKET_CODE_KEY',
  'FIREBASE_SERVICE_ACCOUNT_JSON',
  'BIGQUERY_SERVICE_ACCOUNT_JSON',
  'CDN_LOG_SECRET',
  'CDN_VIEWER_SALT',
  'OIDC_CLIENT_SECRET',
  'GA4_API_SECRET',
  'ANALYTICS_ID_SALT',
] as const;

export type SecretConfigKey = (typeof SECRET_CONFIG_KEYS)[number];

/** The config key that carries a secret's Vault OCID in OCI: `STRIPE_SECRET_KEY_SECRET_OCID`. */
export function secretOcidKey(key: SecretConfigKey): string {
  return `${key}_SECRET_OCID`;
}
