import type { WorkQueue } from '#shared/queue/work-queue.ts';
import type { JobOutcome, JobRunner } from './job-runner.ts';

export interface WorkerLoopOptions {
  readonly leaseSeconds: number;
  /** Long-poll per receive; short enough that a shutdown is noticed promptly. */
  readonly pollSeconds: number;
  /** On shutdown, a job expected to finish within this long is finished; otherwise released. */
  readonly shutdownGraceSeconds: number;
  readonly log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  readonly onOutcome?: (outcome: JobOutcome) => void;
}

/**
 * One job at a time: a container instance is sized for one ffmpeg ladder, and the queue spreads
 * jobs across instances. `stop()` is scale-in safe: no new lease is taken, and the running job
 * is either finished within the grace period or handed back to the queue at once.
 */
export class WorkerLoop {
  readonly #queue: WorkQueue;
  readonly #runner: JobRunner;
  readonly #options: WorkerLoopOptions;
  #stopping = false;
  #done: Promise<void> | undefined;

  constructor(queue: WorkQueue, runner: JobRunner, options: WorkerLoopOptions) {
    this.#queue = queue;
    this.#runner = runner;
    this.#options = options;
  }

  start(): Promise<void> {
    this.#done ??= this.#loop();
    return this.#done;
  }

  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      const job = this.#runner.current;
      if (job) {
        const remainingMs = estimateRemainingMs(job.percent, job.elapsedMs);
        const graceMs = this.#options.shutdownGraceSeconds * 1000;
        if (remainingMs > graceMs) this.#runner.release();
        else {
          this.#options.log('info', 'finishing the current job before stopping', { remainingMs });
          setTimeout(() => this.#runner.release(), graceMs).unref();
        }
      }
    }
    await this.#done;
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      try {
        const [message] = await this.#queue.receive({
          visibilitySeconds: this.#options.leaseSeconds,
          waitSeconds: this.#options.pollSeconds,
          limit: 1,
        });
        failures = 0;
        if (!message) continue;
        if (this.#stopping) {
          // Leased during shutdown: give it straight back.
          await this.#queue.extendVisibility(message.receipt, 0).catch(() => {});
          break;
        }
        this.#options.onOutcome?.(await this.#runner.run(message));
      } catch (err) {
        failures += 1;
        this.#options.log('error', 'worker loop error', { error: err, failures });
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
      }
    }
  }
}

/** Linear extrapolation from progress so far; unknown progress counts as far from done. */
export function estimateRemainingMs(percent: number, elapsedMs: number): number {
  if (percent <= 0) return Number.POSITIVE_INFINITY;
  if (percent >= 100) return 0;
  return (elapsedMs * (100 - percent)) / percent;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
