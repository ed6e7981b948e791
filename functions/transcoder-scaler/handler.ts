import { QUEUES } from '#events/queues.ts';
import { log } from '#shared/base/log.ts';
import { createPool } from '#shared/db/pool.ts';
import { containerPoolFromConfig } from '#shared/pool/pool-from-config.ts';
import { workQueueFromConfig } from '#shared/queue/queue-from-config.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { loadTranscoderScalerConfig } from './config.ts';
import { transcoderScalerManifest } from './manifest.ts';
import { scaleOnce } from './scale.ts';
import { alarmNotificationSchema, describeTrigger, type ScalerTrigger } from './trigger.ts';

/** A transcoder leases one job at a time (workers/transcoder/worker-loop.ts). */
const JOBS_PER_WORKER = 1;

const config = loadTranscoderScalerConfig();
const queue = workQueueFromConfig(
  config,
  QUEUES.transcode,
  config.MYSQL_URL ? createPool(config.MYSQL_URL, { connectionLimit: 1 }) : undefined,
);
const pool = containerPoolFromConfig(config);

/** Whatever woke us (tick or alarm), the decision comes from the queue as it is now. */
async function evaluate(trigger: ScalerTrigger): Promise<EventOutcome> {
  const summary = await scaleOnce({
    queue,
    pool,
    min: config.POOL_MIN,
    max: config.POOL_MAX,
    jobsPerWorker: JOBS_PER_WORKER,
  });
  // At info only when the pool changed: an idle local cloud evaluates it every minute.
  const changed = summary.started.length > 0 || summary.stopped.length > 0;
  (changed ? log.info : log.debug)('transcoder pool evaluated', {
    trigger: describeTrigger(trigger),
    ...summary,
  });
  return { status: 'processed', detail: { ...summary } };
}

export const handler = scheduledFunction(transcoderScalerManifest, evaluate, {
  schema: alarmNotificationSchema,
  handle: evaluate,
});
