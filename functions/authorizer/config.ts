import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { portalConfig, sessionLifetimeConfig, sessionLifetimeOf } from '#shared/people/config.ts';

/**
 * PORTAL_ORIGIN is optional: without it the authorizer accepts bearer credentials only (a
 * deployment without the portal), exactly as before sessions existed.
 */
const authorizerConfig = {
  ...databaseConfig,
  PORTAL_ORIGIN: portalConfig.PORTAL_ORIGIN.optional(),
  ...sessionLifetimeConfig,
};

export const authorizerConfigKeys = Object.keys(authorizerConfig);
export function loadAuthorizerConfig(source?: Readonly<Record<string, string | undefined>>) {
  const config = readConfig(authorizerConfig, source);
  return { ...config, lifetime: sessionLifetimeOf(config) };
}
