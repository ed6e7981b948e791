import { defineManifest } from '#shared/runtime/manifest.ts';
import { stripeSweepConfigKeys } from './config.ts';

/**
 * stripe-webhook's timer half (HTTP functions take no schedules): retries Stripe events whose
 * processing did not finish, with backoff, and releases holds whose time ran out.
 */
export const stripeSweepManifest = defineManifest({
  name: 'stripe-sweep',
  summary:
    'Retries recorded Stripe events that are not processed yet (with backoff, late refunds included) and releases expired seat holds.',
  kind: 'event',
  memoryMb: 256,
  timeoutSeconds: 60,
  routes: [],
  events: [],
  // Every 10 s locally; OCI Resource Scheduler fires at most once a minute, which only delays retries.
  schedules: [{ name: 'sweep', everySeconds: 10 }],
  config: stripeSweepConfigKeys,
});
