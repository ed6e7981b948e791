import { defineManifest } from '#shared/runtime/manifest.ts';
import { outboxRelayConfigKeys } from './config.ts';

/**
 * The only producer of the domain event stream: publishes outbox rows (written by every domain
 * in the transaction of their state change) in order per aggregate, at least once. See docs/relay.md.
 */
export const outboxRelayManifest = defineManifest({
  name: 'outbox-relay',
  summary:
    'Publishes domain events from the outbox to the event stream, in order per aggregate and at least once; marks them published once the stream acknowledged them, backs off while it throttles and dead-letters what it refuses for good.',
  kind: 'event',
  memoryMb: 256,
  // A run drains for at most RELAY_RUN_SECONDS (100 at most; Terraform sets 50), then observes the lag.
  timeoutSeconds: 120,
  routes: [],
  events: [],
  // Every second locally (and nudged after writes); OCI's scheduler fires once a minute and each
  // run keeps draining for RELAY_RUN_SECONDS.
  schedules: [{ name: 'relay', everySeconds: 1 }],
  eventStream: { access: 'publish' },
  config: outboxRelayConfigKeys,
});
