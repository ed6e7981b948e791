import { defineManifest } from '#shared/runtime/manifest.ts';
import { settlerConfigKeys } from './config.ts';

export const settlerManifest = defineManifest({
  name: 'settler',
  summary:
    'Releases expired print grants and writes counted prints to LicenseLedger in batches, recovering any batch that did not land.',
  kind: 'event',
  memoryMb: 256,
  timeoutSeconds: 60,
  routes: [],
  events: [],
  // Every 5 s in the local cloud. OCI Resource Scheduler fires at most once a minute, which is
  // fine: settlement is the audit trail, never on the authorization path.
  schedules: [{ name: 'settle', everySeconds: 5 }],
  config: settlerConfigKeys,
});
