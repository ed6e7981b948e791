import { QUEUES } from '#events/queues.ts';
import { createPool } from '#shared/db/pool.ts';
import { type LiveDeps, runLiveWatchdog } from '#shared/live/live-stream-repository.ts';
import { workQueueFromConfig } from '#shared/queue/queue-from-config.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { loadLiveWatchdogConfig } from './config.ts';
import { liveWatchdogManifest } from './manifest.ts';

const config = loadLiveWatchdogConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const deps: LiveDeps = {
  pool,
  queue: workQueueFromConfig(config, QUEUES.transcode, pool),
  updateIntervalSeconds: config.LIVE_UPDATE_INTERVAL_SECONDS,
};

export const handler = scheduledFunction(liveWatchdogManifest, async () => {
  const summary = await runLiveWatchdog(deps, {
    lostAfterSeconds: config.TRANSCODE_LOST_AFTER_SECONDS,
    maxAttempts: config.TRANSCODE_MAX_ATTEMPTS,
  });
  return { status: 'processed', detail: { ...summary } };
});
