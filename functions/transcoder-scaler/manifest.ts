import { defineManifest } from '#shared/runtime/manifest.ts';
import { transcoderScalerConfigKeys } from './config.ts';

export const transcoderScalerManifest = defineManifest({
  name: 'transcoder-scaler',
  summary:
    'Starts and stops transcoder pool members to follow the transcode queue: up at once, down one at a time once nothing waits.',
  kind: 'event',
  // The OCI SDK (signing, Container Instances and Queue clients) outgrows 128 MB under Node 22.
  memoryMb: 256,
  timeoutSeconds: 60,
  routes: [],
  events: [],
  // The floor: Resource Scheduler fires once a minute. The backlog alarm wakes it sooner.
  schedules: [{ name: 'scale', everySeconds: 60 }],
  notifications: [{ topic: 'transcode-backlog' }],
  config: transcoderScalerConfigKeys,
});
