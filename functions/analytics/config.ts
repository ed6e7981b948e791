import { analyticsSaltConfig } from '#shared/analytics/config.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { portalConfig } from '#shared/people/config.ts';

/** The collect and consent routes: the session cookie's name and origin follow the portal's. */
const analyticsConfig = {
  ...databaseConfig,
  ...portalConfig,
  ...analyticsSaltConfig,
};

export const analyticsConfigKeys = Object.keys(analyticsConfig);
export const loadAnalyticsConfig = (source?: Readonly<Record<string, string | undefined>>) =>
  readConfig(analyticsConfig, source);
