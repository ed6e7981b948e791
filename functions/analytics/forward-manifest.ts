import { GA4_CONSUMER_GROUP } from '#shared/analytics/ga4-forwarder.ts';
import { defineManifest } from '#shared/runtime/manifest.ts';
import { analyticsForwardConfigKeys } from './forward-config.ts';

/**
 * The analytics function's timer half (HTTP functions take no schedules): forwards consented
 * analytics events and consenting buyers' purchases from the event stream to Google Analytics 4.
 */
export const analyticsForwardManifest = defineManifest({
  name: 'analytics-forward',
  summary:
    'Reads consumer group analytics-ga4 of the domain event stream and sends consented page views, key actions and purchases to GA4 (Measurement Protocol); does nothing while GA4 is not configured.',
  kind: 'event',
  memoryMb: 256,
  timeoutSeconds: 60,
  routes: [],
  events: [],
  // Every 10 s locally; OCI Resource Scheduler fires at most once a minute (GA4 takes 72 h old events).
  schedules: [{ name: 'forward', everySeconds: 10 }],
  eventStream: { access: 'consume', group: GA4_CONSUMER_GROUP },
  config: analyticsForwardConfigKeys,
});
