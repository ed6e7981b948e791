import { ga4DestinationOf } from '#shared/analytics/config.ts';
import { MeasurementProtocolClient } from '#shared/analytics/ga4-client.ts';
import { forwardToGa4, type Ga4ForwarderDeps } from '#shared/analytics/ga4-forwarder.ts';
import { analyticsUserIdHash } from '#shared/analytics/visitor-ids.ts';
import { createPool } from '#shared/db/pool.ts';
import { usersConsentingToAnalytics } from '#shared/people/user-repository.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { eventStreamFromConfig } from '#shared/stream/stream-from-config.ts';
import { loadAnalyticsForwardConfig } from './forward-config.ts';
import { analyticsForwardManifest } from './forward-manifest.ts';

const config = loadAnalyticsForwardConfig();
const destination = ga4DestinationOf(config);
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const salt = config.ANALYTICS_ID_SALT;

// Unconfigured GA4 (the local cloud's default) reads nothing: the group keeps its place, and GA4
// configured later starts from the oldest retained message (older than 72 h is dropped then).
const deps: Ga4ForwarderDeps | undefined = destination
  ? {
      stream: eventStreamFromConfig(config, pool),
      ga4: new MeasurementProtocolClient(destination),
      // One group instance whichever process runs the tick (ticks never overlap): a process that
      // died holding partitions is succeeded at once instead of after the instance timeout.
      instance: analyticsForwardManifest.name,
      siteOrigin: new URL(config.PORTAL_ORIGIN).origin,
      // Without a salt no person is named: purchases (which only a person's hash can place) stay home.
      userIdHashOf: (userId) => analyticsUserIdHash(salt ?? '', userId),
      consentingPeople: async (userIds) => (salt ? usersConsentingToAnalytics(pool, userIds) : new Set()),
    }
  : undefined;

export const handler = scheduledFunction(analyticsForwardManifest, async () => {
  if (!deps) return { status: 'ignored', reason: 'GA4 is not configured' };
  const summary = await forwardToGa4(deps, {
    batch: 500,
    // Keep room for the last batch's requests within the function's timeout.
    budgetMs: analyticsForwardManifest.timeoutSeconds * 1000 - 15_000,
  });
  return { status: 'processed', detail: { ...summary } };
});
