import { defineManifest } from '#shared/runtime/manifest.ts';
import { webhookDispatchConfigKeys } from './config.ts';

/**
 * Reads the domain event stream as consumer group `webhooks`, turns each event into one delivery
 * per subscribed endpoint of the organisations it concerns, and sends due deliveries: signed,
 * ordered per aggregate, retried with backoff, endpoints disabled after days of failure.
 */
export const webhookDispatchManifest = defineManifest({
  name: 'webhook-dispatch',
  summary:
    'Webhook fan-out and delivery: consumes the event stream (group webhooks), writes one delivery per subscribed endpoint, sends due deliveries with retries and disables endpoints that keep failing.',
  kind: 'event',
  memoryMb: 256,
  // A tick may run for WEBHOOK_RUN_SECONDS (240 at most) and then finish its last pass.
  timeoutSeconds: 300,
  routes: [],
  events: [],
  // Every second locally; OCI's scheduler fires once a minute and each tick runs for 50 s.
  schedules: [{ name: 'dispatch', everySeconds: 1 }],
  eventStream: { access: 'consume', group: 'webhooks' },
  config: webhookDispatchConfigKeys,
});
