import { BUCKETS } from '#events/buckets.ts';
import { OBJECT_EVENT_TYPES } from '#events/object-storage-event.ts';
import { defineManifest } from '#shared/runtime/manifest.ts';
import { transcodeDispatchConfigKeys } from './config.ts';

export const transcodeDispatchManifest = defineManifest({
  name: 'transcode-dispatch',
  summary:
    'Puts one transcoding job on the work queue per uploaded video source; sweeps uploads whose job was lost and attempts that died on their last delivery.',
  kind: 'event',
  memoryMb: 256,
  timeoutSeconds: 30,
  routes: [],
  events: [{ eventTypes: [OBJECT_EVENT_TYPES.created], bucket: BUCKETS.rawVideo }],
  schedules: [{ name: 'upkeep', everySeconds: 30 }],
  config: transcodeDispatchConfigKeys,
});
