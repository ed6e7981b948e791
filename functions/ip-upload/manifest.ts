import { BUCKETS } from '#events/buckets.ts';
import { OBJECT_EVENT_TYPES } from '#events/object-storage-event.ts';
import { defineManifest } from '#shared/runtime/manifest.ts';
import { ipUploadConfigKeys } from './config.ts';

export const ipUploadManifest = defineManifest({
  name: 'ip-upload',
  summary:
    'Validates an uploaded design, fingerprints and envelope-encrypts it into the vault, registers it on chain; re-drives uploads whose event was lost or whose attempt died.',
  kind: 'event',
  memoryMb: 1024,
  timeoutSeconds: 120,
  routes: [],
  events: [
    { eventTypes: [OBJECT_EVENT_TYPES.created, OBJECT_EVENT_TYPES.updated], bucket: BUCKETS.incomingDesigns },
  ],
  // The watchdog: uploads whose event was lost or whose attempt died are re-driven (watchdog.ts).
  schedules: [{ name: 'watchdog', everySeconds: 60 }],
  config: ipUploadConfigKeys,
});
