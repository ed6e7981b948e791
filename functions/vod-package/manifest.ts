import { BUCKETS } from '#events/buckets.ts';
import { OBJECT_EVENT_TYPES } from '#events/object-storage-event.ts';
import { defineManifest } from '#shared/runtime/manifest.ts';
import { COMPLETION_MANIFEST_NAME } from '#shared/video/media-layout.ts';
import { vodPackageConfigKeys } from './config.ts';

export const vodPackageManifest = defineManifest({
  name: 'vod-package',
  summary:
    'On a completion manifest: verifies every rendition and segment, writes the master playlist, marks the video ready and purges the CDN.',
  kind: 'event',
  memoryMb: 256,
  timeoutSeconds: 120,
  routes: [],
  // Only completion manifests: without the name condition every uploaded segment would invoke it.
  events: [
    {
      eventTypes: [OBJECT_EVENT_TYPES.created],
      bucket: BUCKETS.media,
      objectName: `videos/*/${COMPLETION_MANIFEST_NAME}`,
    },
  ],
  config: vodPackageConfigKeys,
});
