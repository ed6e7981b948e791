import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUEUES } from '#events/queues.ts';
import { log } from '#shared/base/log.ts';
import { createPool } from '#shared/db/pool.ts';
import { ConfigError } from '#shared/errors.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { workQueueFromConfig } from '#shared/queue/queue-from-config.ts';
import { resolveWorkerSecretsOrExit } from '#shared/secrets/resolve-at-cold-start.ts';
import { objectStoreFromConfig } from '#shared/storage/s3-object-store.ts';
import { loadTranscoderConfig } from './config.ts';
import { JobRunner } from './job-runner.ts';
import { createLiveRecordingPipeline } from './live/remux-recording.ts';
import { createMediaPipeline, permanentRefusal } from './produce.ts';
import { WorkerLoop } from './worker-loop.ts';

/**
 * The transcoder container's entrypoint (one per Container Instance on the Ampere pool; the local
 * cloud runs a few as processes). Leases one job at a time from the transcode queue until SIGTERM.
 */
// Vault references become plain values before the config below reads them.
await resolveWorkerSecretsOrExit();
const config = loadTranscoderConfig();
if (config.TRANSCODE_HEARTBEAT_SECONDS * 3 > config.TRANSCODE_LEASE_SECONDS) {
  // Fewer than three heartbeats per lease and one slow database call loses every job.
  throw new ConfigError('TRANSCODE_HEARTBEAT_SECONDS must be at most a third of TRANSCODE_LEASE_SECONDS', [
    'TRANSCODE_HEARTBEAT_SECONDS',
    'TRANSCODE_LEASE_SECONDS',
  ]);
}
const pool = createPool(config.MYSQL_URL, { connectionLimit: 3 });
const queue = workQueueFromConfig(config, QUEUES.transcode, pool, {
  maxDeliveries: config.TRANSCODE_MAX_ATTEMPTS,
});
const metrics = processMetrics();
const workRoot = config.WORK_DIR ?? join(tmpdir(), 'forgecast-transcoder');
await mkdir(workRoot, { recursive: true });

const write = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) =>
  log[level](msg, { worker: config.WORKER_ID, ...fields });

const store = objectStoreFromConfig(config);
const runner = new JobRunner(
  {
    pool,
    queue,
    store,
    media: createMediaPipeline(config),
    // Live-to-VOD remuxes on the same pool; its ffmpeg dies with the worker like the ladder's.
    liveRecording: createLiveRecordingPipeline({
      store,
      bucket: config.MEDIA_BUCKET,
      tools: { ffmpeg: config.FFMPEG_PATH, ffprobe: config.FFPROBE_PATH, killWithParent: true },
    }),
    mediaBucket: config.MEDIA_BUCKET,
    rawBucket: config.RAW_VIDEO_BUCKET,
    workerId: config.WORKER_ID,
    workRoot,
    permanentRefusal,
    log: write,
    metrics: metrics.with({ worker: 'transcoder' }),
  },
  {
    leaseSeconds: config.TRANSCODE_LEASE_SECONDS,
    stallSeconds: config.TRANSCODE_STALL_SECONDS,
    heartbeatSeconds: config.TRANSCODE_HEARTBEAT_SECONDS,
    maxAttempts: config.TRANSCODE_MAX_ATTEMPTS,
    retryBaseSeconds: config.TRANSCODE_RETRY_BASE_SECONDS,
  },
);
const loop = new WorkerLoop(queue, runner, {
  leaseSeconds: config.TRANSCODE_LEASE_SECONDS,
  pollSeconds: 2,
  shutdownGraceSeconds: config.SHUTDOWN_GRACE_SECONDS,
  log: write,
  onOutcome: (outcome) => write('info', 'job finished', { outcome }),
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  write('info', 'stopping', { signal });
  await loop.stop();
  // The last job's counts go out before the container does.
  await metrics.close?.();
  await pool.end();
  write('info', 'stopped', { signal });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

write('info', 'transcoder ready', { queue: QUEUES.transcode, preset: config.TRANSCODE_PRESET });
await loop.start();
