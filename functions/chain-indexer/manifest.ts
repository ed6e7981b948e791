import { defineManifest } from '#shared/runtime/manifest.ts';
import { chainIndexerConfigKeys } from './config.ts';

export const chainIndexerManifest = defineManifest({
  name: 'chain-indexer',
  summary:
    'Keeps the relayer (rebroadcast, retry failed mints and revocations), indexes confirmed contract events and reconciles the off-chain ledger with the chain.',
  kind: 'event',
  memoryMb: 256,
  timeoutSeconds: 60,
  routes: [],
  events: [],
  // Every 2 s in the local cloud. OCI Resource Scheduler fires at most once a minute; a run
  // indexes up to INDEX_MAX_RANGES ranges, so a minute's blocks fit in one run.
  schedules: [{ name: 'index', everySeconds: 2 }],
  config: chainIndexerConfigKeys,
});
