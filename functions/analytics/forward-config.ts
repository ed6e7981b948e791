import { analyticsSaltConfig, ga4Config } from '#shared/analytics/config.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { portalConfig } from '#shared/people/config.ts';
import { eventStreamConfig } from '#shared/stream/stream-from-config.ts';

/** The GA4 forwarder: the stream it reads, GA4, and the portal's origin for page_location. */
const forwardConfig = {
  ...databaseConfig,
  ...portalConfig,
  ...analyticsSaltConfig,
  ...ga4Config,
  ...eventStreamConfig,
};

export const analyticsForwardConfigKeys = Object.keys(forwardConfig);
export const loadAnalyticsForwardConfig = (source?: Readonly<Record<string, string | undefined>>) =>
  readConfig(forwardConfig, source);
