import { defineManifest } from '#shared/runtime/manifest.ts';
import { liveWatchdogConfigKeys } from './config.ts';

export const liveWatchdogManifest = defineManifest({
  name: 'live-watchdog',
  summary:
    'Live streams whose ingest agent went silent wait for a reconnect; when the reconnect window has passed, the stream ends and its recording is queued for VOD exactly once (or it fails, saying nothing was recorded); a recording whose job message was lost is queued again.',
  kind: 'event',
  memoryMb: 256,
  timeoutSeconds: 30,
  routes: [],
  events: [],
  // Locally every 5 s; OCI's Resource Scheduler fires at most once a minute (scripts/generate-oci-catalog.ts).
  schedules: [{ name: 'watch', everySeconds: 5 }],
  config: liveWatchdogConfigKeys,
});
