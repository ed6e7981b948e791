import type { DbPool } from '#shared/db/pool.ts';
import { StaleReceiptError, type WorkQueue } from '#shared/queue/work-queue.ts';
import { recordProgress } from '#shared/video/video-repository.ts';

/** The job is no longer this worker's: its queue receipt went stale or a newer attempt took the asset. */
export class LeaseLostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LeaseLostError';
  }
}

export interface LeaseOptions {
  readonly pool: DbPool;
  readonly queue: WorkQueue;
  readonly receipt: string;
  readonly assetId: string;
  readonly attempt: number;
  readonly leaseSeconds: number;
  readonly heartbeatSeconds: number;
  readonly onLost: (error: LeaseLostError) => void;
  readonly onError?: (error: unknown) => void;
  /**
   * Between heartbeats, progress is also written when it has grown by a whole percent and this
   * long has passed since the last write (default 2000 ms): the creator's page shows
   * "transcoding 42 %" as it moves rather than once per heartbeat (15 s by default).
   */
  readonly progressIntervalMs?: number;
}

/**
 * Keeps one job leased while it runs: every heartbeat extends the message's visibility and
 * reports progress, which is the attempt's heartbeat in the database (PeerTube's runners do the
 * same with their progress updates). A heartbeat that finds the lease gone calls `onLost` once.
 * A heartbeat that merely fails (network) is retried on the next tick; the lease has slack.
 */
export class JobLease {
  readonly #options: LeaseOptions;
  #percent = 0;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #lost = false;
  #written = { percent: 0, at: 0 };
  #writing: Promise<void> | undefined;

  constructor(options: LeaseOptions) {
    this.#options = options;
  }

  get percent(): number {
    return this.#percent;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#beating ??= this.beat().finally(() => {
        this.#beating = undefined;
      });
    }, this.#options.heartbeatSeconds * 1000);
    this.#timer.unref();
  }

  report(percent: number): void {
    this.#percent = Math.max(this.#percent, Math.min(100, percent));
    const now = Date.now();
    if (
      this.#lost ||
      this.#writing ||
      Math.floor(this.#percent) <= Math.floor(this.#written.percent) ||
      now - this.#written.at < (this.#options.progressIntervalMs ?? 2000)
    )
      return;
    this.#written = { percent: this.#percent, at: now };
    const { pool, assetId, attempt } = this.#options;
    this.#writing = recordProgress(pool, assetId, attempt, this.#percent)
      .then((ours) => {
        if (!ours) this.#lose(new LeaseLostError(`attempt ${attempt} of ${assetId} was taken over`));
      })
      .catch((err: unknown) => this.#options.onError?.(err))
      .finally(() => {
        this.#writing = undefined;
      });
  }

  async beat(): Promise<void> {
    if (this.#lost) return;
    const { queue, receipt, pool, assetId, attempt, leaseSeconds } = this.#options;
    try {
      await queue.extendVisibility(receipt, leaseSeconds);
      this.#written = { percent: this.#percent, at: Date.now() };
      const ours = await recordProgress(pool, assetId, attempt, this.#percent);
      if (!ours) this.#lose(new LeaseLostError(`attempt ${attempt} of ${assetId} was taken over`));
    } catch (err) {
      if (err instanceof StaleReceiptError) {
        this.#lose(new LeaseLostError('the queue message was redelivered to another worker', { cause: err }));
      } else this.#options.onError?.(err);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating;
    await this.#writing;
  }

  #lose(error: LeaseLostError): void {
    if (this.#lost) return;
    this.#lost = true;
    clearInterval(this.#timer);
    this.#options.onLost(error);
  }
}
