import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { portalConfig, sessionLifetimeConfig, sessionLifetimeOf } from '#shared/people/config.ts';

const sessionConfig = {
  ...databaseConfig,
  ...portalConfig,
  ...sessionLifetimeConfig,
  /** The OpenID provider: locally infra/local/identity; in OCI the identity domain's URL. */
  OIDC_ISSUER_URL: z.url(),
  OIDC_CLIENT_ID: z.string().min(1).max(255),
  /** A secret (OCI: OIDC_CLIENT_SECRET_SECRET_OCID, resolved from Vault at cold start). */
  OIDC_CLIENT_SECRET: z.string().min(1).max(1024),
};

export const sessionConfigKeys = Object.keys(sessionConfig);

export function loadSessionConfig(source?: Readonly<Record<string, string | undefined>>) {
  const config = readConfig(sessionConfig, source);
  return { ...config, lifetime: sessionLifetimeOf(config) };
}
