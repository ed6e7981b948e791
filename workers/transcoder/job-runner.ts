import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { type Metrics, noopMetrics } from '#shared/metrics/metrics.ts';
import type { QueueMessage, WorkQueue } from '#shared/queue/work-queue.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { attemptPrefix, COMPLETION_MANIFEST_NAME, rawVideoKey } from '#shared/video/media-layout.ts';
import {
  isLiveRecordingJob,
  type LiveRecordingJob,
  type TranscodeJob,
  type TranscodeQueueMessage,
  transcodeQueueMessageSchema,
} from '#shared/video/transcode-job.ts';
import type { TranscodeManifest } from '#shared/video/transcode-manifest.ts';
import { VIDEO_FAILURES } from '#shared/video/video.ts';
import {
  type AttemptClaim,
  claimAttempt,
  claimLiveAttempt,
  recordAttemptError,
  recordDelivery,
  recordFailed,
  recordPackaging,
  releaseAttempt,
} from '#shared/video/video-repository.ts';
import { JobLease, LeaseLostError } from './lease.ts';
import { createLiveRecordingPipeline, type LiveRecordingPipeline } from './live/remux-recording.ts';
import { uploadOutputs } from './output-upload.ts';
import { downloadSource, SourceChangedError } from './source-download.ts';

/** What the media pipeline produced for one source: the manifest's body, files on local disk. */
export type ProducedMedia = Pick<
  TranscodeManifest,
  'mode' | 'segmentSeconds' | 'renditions' | 'poster' | 'thumbnails' | 'files'
> & { readonly source: Omit<TranscodeManifest['source'], 'etag'> };

/** Probe, plan and transcode one source into `outDir`; reports 0–100 %. */
export interface MediaPipeline {
  produce(input: {
    sourcePath: string;
    outDir: string;
    signal: AbortSignal;
    onProgress: (percent: number) => void;
  }): Promise<ProducedMedia>;
}

/** A refusal that no retry can change (not a video, too long…): the asset fails at once. */
export interface PermanentRefusal {
  readonly code: string;
  readonly message: string;
}

export interface JobRunnerDeps {
  readonly pool: DbPool;
  readonly queue: WorkQueue;
  readonly store: ObjectStore;
  readonly media: MediaPipeline;
  readonly mediaBucket: string;
  /** The only bucket sources are read from; a job naming another is refused. */
  readonly rawBucket: string;
  readonly workerId: string;
  readonly workRoot: string;
  /** Recognises permanent refusals among the pipeline's errors. */
  readonly permanentRefusal: (err: unknown) => PermanentRefusal | undefined;
  readonly log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** `transcode_jobs{outcome}` per settled attempt and `transcode_seconds` per finished job. */
  readonly metrics?: Metrics;
  /** Live-to-VOD remuxing of `live-recording` jobs; by default ffmpeg on PATH over `store`. */
  readonly liveRecording?: LiveRecordingPipeline;
}

export interface JobRunnerOptions {
  /** Progress standing still this long aborts the attempt as failed (a hung or crawling ffmpeg). */
  readonly stallSeconds: number;
  readonly leaseSeconds: number;
  readonly heartbeatSeconds: number;
  readonly maxAttempts: number;
  readonly retryBaseSeconds: number;
}

export type JobOutcome =
  | 'published'
  | 'refused'
  | 'retry'
  | 'gave_up'
  | 'duplicate'
  | 'postponed'
  | 'lease_lost'
  | 'released'
  | 'malformed';

/** What each settled attempt counts as in `transcode_jobs`; the others settle nothing. */
const OUTCOME_METRIC: Partial<Record<JobOutcome, 'ready' | 'failed' | 'retried'>> = {
  published: 'ready',
  refused: 'failed',
  gave_up: 'failed',
  retry: 'retried',
};

/** The attempt made no progress for too long; it is retried like any transient failure. */
export class TranscodeStalledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TranscodeStalledError';
  }
}

/** Why the runner aborted the running job: the lease went away, or the worker is shutting down. */
class ShutdownRelease extends Error {
  constructor() {
    super('released for shutdown');
    this.name = 'ShutdownRelease';
  }
}

/**
 * Runs one leased job to its end. The asset's attempt number fences every write: a worker that
 * lost its lease (killed, partitioned, too slow to heartbeat) can neither publish nor fail an
 * asset another attempt now owns. Outputs go to an attempt-private folder and the completion
 * manifest is the last object written, so a crash at any point leaves nothing half-published.
 */
export class JobRunner {
  readonly #deps: JobRunnerDeps;
  readonly #options: JobRunnerOptions;
  readonly #metrics: Metrics;
  readonly #live: LiveRecordingPipeline;
  #current: { abort: AbortController; lease: JobLease; startedAt: number } | undefined;
  #releaseRequested = false;

  constructor(deps: JobRunnerDeps, options: JobRunnerOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#metrics = deps.metrics ?? noopMetrics;
    this.#live =
      deps.liveRecording ?? createLiveRecordingPipeline({ store: deps.store, bucket: deps.mediaBucket });
  }

  /** The running job's progress and how long it has run, for the shutdown decision. */
  get current(): { percent: number; elapsedMs: number } | undefined {
    const job = this.#current;
    return job ? { percent: job.lease.percent, elapsedMs: Date.now() - job.startedAt } : undefined;
  }

  /**
   * Hands the running job back to the queue at once (scale-in). Also applies to a job being
   * claimed right now: it is released as soon as its attempt exists.
   */
  release(): void {
    this.#releaseRequested = true;
    this.#current?.abort.abort(new ShutdownRelease());
  }

  async run(message: QueueMessage): Promise<JobOutcome> {
    const { pool, queue, log } = this.#deps;
    const job = parseJob(message.content);
    if (
      !job ||
      (!isLiveRecordingJob(job) &&
        (job.sourceBucket !== this.#deps.rawBucket || job.sourceKey !== rawVideoKey(job.assetId)))
    ) {
      log('error', 'malformed transcode job deleted', { messageId: message.id });
      await queue.delete(message.receipt);
      return 'malformed';
    }
    await recordDelivery(pool, job.assetId, message.deliveryCount);
    // A live holder reports every heartbeat; two missed ones and its lease has lapsed (else we
    // would not hold this message), so the attempt is dead.
    const staleSeconds = Math.min(this.#options.leaseSeconds, 2 * this.#options.heartbeatSeconds + 1);
    const workerId = this.#deps.workerId;
    const claim: AttemptClaim = isLiveRecordingJob(job)
      ? await claimLiveAttempt(pool, job.assetId, { workerId, staleSeconds })
      : await claimAttempt(pool, job.assetId, { workerId, sourceEtag: job.sourceEtag, staleSeconds });
    if (claim.outcome === 'busy') {
      // Another live attempt holds the asset; look again when its lease would have lapsed.
      await queue.extendVisibility(message.receipt, this.#options.leaseSeconds);
      return 'postponed';
    }
    if (claim.outcome !== 'claimed') {
      log('info', 'transcode job needs no work', { assetId: job.assetId, outcome: claim.outcome });
      await queue.delete(message.receipt);
      return 'duplicate';
    }
    return this.#runAttempt(job, claim.attempt, message);
  }

  #count(outcome: JobOutcome, sourceSeconds?: number): void {
    const settled = OUTCOME_METRIC[outcome];
    if (settled) this.#metrics.count('transcode_jobs', 1, { outcome: settled });
    if (sourceSeconds !== undefined) this.#metrics.count('transcode_seconds', sourceSeconds);
  }

  async #runAttempt(job: TranscodeQueueMessage, attempt: number, message: QueueMessage): Promise<JobOutcome> {
    const { pool, queue, log } = this.#deps;
    const abort = new AbortController();
    const lease = new JobLease({
      pool,
      queue,
      receipt: message.receipt,
      assetId: job.assetId,
      attempt,
      leaseSeconds: this.#options.leaseSeconds,
      heartbeatSeconds: this.#options.heartbeatSeconds,
      onLost: (error) => abort.abort(error),
      onError: (err) => log('warn', 'heartbeat failed', { assetId: job.assetId, error: err }),
    });
    let dir: string | undefined;
    const progress: { published: boolean; sourceSeconds?: number } = { published: false };
    this.#current = { abort, lease, startedAt: Date.now() };
    if (this.#releaseRequested) abort.abort(new ShutdownRelease());
    lease.start();
    const stall = this.#watchForStall(lease, abort);
    log('info', 'transcoding', { assetId: job.assetId, attempt, delivery: message.deliveryCount });
    try {
      dir = await mkdtemp(join(this.#deps.workRoot, `job-${job.assetId}-`));
      await this.#produceAndPublish(job, attempt, dir, abort.signal, lease, progress);
      clearInterval(stall);
      await lease.stop();
      await queue.delete(message.receipt).catch((err: unknown) => {
        // The manifest is written: a redelivery finds the asset packaging or ready and stops there.
        log('warn', 'could not delete a finished job', { assetId: job.assetId, error: err });
      });
      log('info', 'transcoded', { assetId: job.assetId, attempt });
      this.#count('published', progress.sourceSeconds);
      return 'published';
    } catch (err) {
      clearInterval(stall);
      await lease.stop();
      if (progress.published) {
        // The manifest is out: vod-package owns the asset now. Failing or retrying the attempt
        // here could only race it; the message goes, as for any finished job.
        log('warn', 'bookkeeping after the manifest failed', { assetId: job.assetId, attempt, error: err });
        await queue.delete(message.receipt).catch(() => {});
        this.#count('published', progress.sourceSeconds);
        return 'published';
      }
      const outcome = await this.#settleFailure(job, attempt, message, abort.signal.reason ?? err);
      this.#count(outcome);
      return outcome;
    } finally {
      this.#current = undefined;
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  /** An attempt whose progress has not moved for `stallSeconds` is aborted (a hung ffmpeg). */
  #watchForStall(lease: JobLease, abort: AbortController): NodeJS.Timeout {
    let last = { percent: -1, at: Date.now() };
    const timer = setInterval(() => {
      if (lease.percent > last.percent) last = { percent: lease.percent, at: Date.now() };
      else if (Date.now() - last.at > this.#options.stallSeconds * 1000) {
        abort.abort(
          new TranscodeStalledError(
            `no progress for ${this.#options.stallSeconds} s at ${lease.percent.toFixed(1)} %`,
          ),
        );
      }
    }, 1000);
    timer.unref();
    return timer;
  }

  async #produceUpload(
    job: TranscodeJob,
    dir: string,
    outDir: string,
    signal: AbortSignal,
    onProgress: (percent: number) => void,
  ): Promise<{ produced: ProducedMedia; sourceEtag: string }> {
    const sourcePath = join(dir, 'source');
    await downloadSource(
      this.#deps.store,
      { bucket: job.sourceBucket, key: job.sourceKey, etag: job.sourceEtag, bytes: job.sourceBytes },
      sourcePath,
      signal,
    );
    const produced = await this.#deps.media.produce({ sourcePath, outDir, signal, onProgress });
    return { produced, sourceEtag: job.sourceEtag };
  }

  /**
   * A live stream's recorded sessions, remuxed without re-encoding into the VOD layout; the
   * segments, init segments and stills are uploaded to the attempt's folder as they are made.
   */
  async #produceLive(
    job: LiveRecordingJob,
    dir: string,
    outDir: string,
    signal: AbortSignal,
    onProgress: (percent: number) => void,
    uploadPrefix: string,
  ): Promise<{ produced: ProducedMedia; sourceEtag: string; uploaded: ReadonlySet<string> }> {
    const produced = await this.#live.produce({
      assetId: job.assetId,
      streamId: job.streamId,
      sessions: job.sessions,
      workDir: join(dir, 'live'),
      outDir,
      signal,
      onProgress,
      uploadPrefix,
    });
    this.#deps.log('info', 'live recording remuxed', {
      assetId: job.assetId,
      sessions: produced.recordedSessions,
      runs: produced.runs,
      seconds: produced.source.durationSeconds,
    });
    const { sourceTag, recordedSessions: _sessions, runs: _runs, uploaded, ...media } = produced;
    return { produced: media, sourceEtag: sourceTag, uploaded };
  }

  async #produceAndPublish(
    job: TranscodeQueueMessage,
    attempt: number,
    dir: string,
    signal: AbortSignal,
    lease: JobLease,
    progress: { published: boolean; sourceSeconds?: number },
  ): Promise<void> {
    const { store, mediaBucket, pool, workerId } = this.#deps;
    const outDir = join(dir, 'out');
    // Producing is 0–90 %, uploading the rest.
    const onProgress = (percent: number) => lease.report(percent * 0.9);
    const prefix = attemptPrefix(job.assetId, attempt);
    const { produced, sourceEtag, uploaded } = isLiveRecordingJob(job)
      ? await this.#produceLive(job, dir, outDir, signal, onProgress, prefix)
      : { ...(await this.#produceUpload(job, dir, outDir, signal, onProgress)), uploaded: new Set<string>() };
    // What the pipeline has not already stored (a live recording's playlists and poster; all of an upload's).
    const remaining = produced.files.filter((file) => !uploaded.has(file.key));
    await uploadOutputs(store, { bucket: mediaBucket, prefix, dir: outDir }, remaining, {
      signal,
      onUploaded: (done, total) => lease.report(90 + (9 * done) / total),
    });
    signal.throwIfAborted();
    // Last chance to learn the attempt is no longer ours before publishing its manifest.
    await lease.beat();
    signal.throwIfAborted();
    const manifest: TranscodeManifest = {
      version: 1,
      assetId: job.assetId,
      attempt,
      workerId,
      mode: produced.mode,
      source: { ...produced.source, etag: sourceEtag },
      segmentSeconds: produced.segmentSeconds,
      renditions: produced.renditions,
      poster: produced.poster,
      thumbnails: produced.thumbnails,
      files: produced.files,
      completedAt: new Date().toISOString(),
    };
    await store.put(
      mediaBucket,
      `${prefix}${COMPLETION_MANIFEST_NAME}`,
      Buffer.from(JSON.stringify(manifest)),
      {
        contentType: 'application/json',
      },
    );
    progress.published = true;
    progress.sourceSeconds = produced.source.durationSeconds;
    // vod-package may already have published it; either way the attempt is done.
    await recordPackaging(pool, job.assetId, attempt, {
      mode: produced.mode,
      durationSeconds: produced.source.durationSeconds,
      width: produced.source.width,
      height: produced.source.height,
    });
  }

  async #settleFailure(
    job: TranscodeQueueMessage,
    attempt: number,
    message: QueueMessage,
    err: unknown,
  ): Promise<JobOutcome> {
    const { pool, queue, log } = this.#deps;
    const assetId = job.assetId;
    if (err instanceof LeaseLostError) {
      log('warn', 'lease lost; abandoning the attempt', { assetId, attempt, reason: err.message });
      return 'lease_lost';
    }
    if (err instanceof ShutdownRelease) {
      await releaseAttempt(pool, assetId, attempt);
      // A fresh copy, so that scale-ins do not spend the job's deliveries (the dead-letter count);
      // a copy left over by a failure between these two calls is fenced by the attempt claim.
      await queue.put([message.content]);
      await queue.delete(message.receipt).catch(() => {});
      log('info', 'released the job for shutdown', { assetId, attempt });
      return 'released';
    }
    if (err instanceof SourceChangedError) {
      // The object was overwritten after dispatch: the job's source no longer exists as uploaded.
      await withTransaction(pool, (connection) =>
        recordFailed(connection, assetId, {
          code: VIDEO_FAILURES.sourceReplaced,
          reason: `The source changed while it was being processed (${err.message}); create a new video for the new file`,
          attempt,
        }),
      );
      await queue.delete(message.receipt);
      return 'refused';
    }
    const refusal = this.#deps.permanentRefusal(err);
    if (refusal) {
      await withTransaction(pool, (connection) =>
        recordFailed(connection, assetId, { code: refusal.code, reason: refusal.message, attempt }),
      );
      await queue.delete(message.receipt);
      log('info', 'source refused', { assetId, code: refusal.code, reason: refusal.message });
      return 'refused';
    }
    const reason = err instanceof Error ? err.message : String(err);
    log('warn', 'transcode attempt failed', {
      assetId,
      attempt,
      delivery: message.deliveryCount,
      error: err,
    });
    if (message.deliveryCount >= this.#options.maxAttempts) {
      await withTransaction(pool, (connection) =>
        recordFailed(connection, assetId, {
          code: VIDEO_FAILURES.gaveUp,
          reason: `Transcoding gave up after ${message.deliveryCount} attempts: ${reason}`,
          attempt,
        }),
      );
      // Visible at once: its next receive moves it to the dead-letter queue for operators.
      await queue.extendVisibility(message.receipt, 0).catch(() => {});
      return 'gave_up';
    }
    await recordAttemptError(pool, assetId, attempt, reason);
    await queue.extendVisibility(
      message.receipt,
      retryDelay(this.#options.retryBaseSeconds, message.deliveryCount),
    );
    return 'retry';
  }
}

/** Exponential backoff per delivery, capped at 15 minutes. */
export function retryDelay(baseSeconds: number, deliveryCount: number): number {
  return Math.min(900, Math.round(baseSeconds * 2 ** Math.max(0, deliveryCount - 1)));
}

function parseJob(content: string): TranscodeQueueMessage | undefined {
  try {
    const parsed = transcodeQueueMessageSchema.safeParse(JSON.parse(content));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
