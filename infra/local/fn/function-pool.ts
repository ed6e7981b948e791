import { FdkProcess, type FdkProcessSpec, FdkStartError, START_TIMEOUT_MS } from './fdk-process.ts';

/** No process of the function became free before the call's deadline. */
export class PoolBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolBusyError';
  }
}

export class PoolClosedError extends Error {
  constructor(name: string) {
    super(`pool ${name} is closed`);
    this.name = 'PoolClosedError';
  }
}

interface Waiter {
  readonly resolve: (proc: FdkProcess) => void;
  readonly reject: (err: unknown) => void;
  timer: NodeJS.Timeout | undefined;
}

export interface FunctionPoolOptions {
  /** How long a process may take to listen before it is killed as hung (START_TIMEOUT_MS). */
  readonly startTimeoutMs?: number;
}

/**
 * Hot containers of one function. Like Fn, a container takes one call at a time. A call takes an
 * idle process, or queues for the first one that frees up or finishes starting (a new one starts
 * when there are more queued calls than starting processes and the pool is below its size),
 * until its deadline. A slow start is waited for; only a process that exits during start, or
 * hangs past the start budget, fails the call that asked for it.
 */
export class FunctionPool {
  readonly spec: FdkProcessSpec;
  readonly maxProcesses: number;
  coldStarts = 0;
  lastColdStartMs = 0;
  private readonly startTimeoutMs: number;
  private readonly idle: FdkProcess[] = [];
  /** Every process not yet exited, starting ones included (so close() stops those too). */
  private readonly all = new Set<FdkProcess>();
  private starting = 0;
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(spec: FdkProcessSpec, maxProcesses: number, options: FunctionPoolOptions = {}) {
    this.spec = spec;
    this.maxProcesses = maxProcesses;
    this.startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  }

  get size(): number {
    return this.all.size;
  }

  /** Pids of the processes alive or starting (diagnostics and tests). */
  get pids(): number[] {
    return [...this.all].flatMap((proc) => (proc.pid === undefined ? [] : [proc.pid]));
  }

  /** A process for one call, by `deadline` (a `performance.now()` time) or PoolBusyError. */
  acquire(deadline: number): Promise<FdkProcess> {
    if (this.closed) return Promise.reject(new PoolClosedError(this.spec.name));
    for (let proc = this.idle.pop(); proc; proc = this.idle.pop()) {
      if (proc.alive) return Promise.resolve(proc);
    }
    return new Promise<FdkProcess>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      waiter.timer = setTimeout(
        () => {
          this.forget(waiter);
          reject(
            new PoolBusyError(
              `no ${this.spec.name} process was free before the deadline (${this.all.size} running, ${this.starting} starting)`,
            ),
          );
        },
        Math.max(0, deadline - performance.now()),
      );
      this.waiters.push(waiter);
      this.grow();
    });
  }

  /** Hands a process back; a broken one is stopped and forgotten, so the next call gets a fresh one. */
  release(proc: FdkProcess, healthy: boolean): void {
    if (!healthy || !proc.alive || this.closed) {
      this.all.delete(proc);
      void proc.stop('SIGKILL');
      this.grow();
      return;
    }
    this.handOver(proc);
  }

  /** Starts one process if none runs, and waits until it listens. */
  async warm(): Promise<void> {
    if (this.all.size > 0 || this.closed) return;
    this.handOver(await this.startOne());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new PoolClosedError(this.spec.name));
    }
    await Promise.all([...this.all].map((proc) => proc.stop()));
    this.all.clear();
    this.idle.length = 0;
  }

  /** Starts processes for queued calls no starting process will serve, within the pool's size. */
  private grow(): void {
    while (!this.closed && this.waiters.length > this.starting && this.all.size < this.maxProcesses) {
      this.startOne().then(
        (proc) => this.handOver(proc),
        (err: unknown) => {
          // The call that asked for this process learns why; the others keep waiting (and ask
          // for another start), so one broken start fails one call, as on Fn.
          const waiter = this.waiters.shift();
          if (waiter) {
            clearTimeout(waiter.timer);
            waiter.reject(err);
          }
          this.grow();
        },
      );
    }
  }

  private async startOne(): Promise<FdkProcess> {
    const proc = FdkProcess.spawn(this.spec);
    this.all.add(proc);
    this.starting += 1;
    proc.onExit(() => {
      this.all.delete(proc);
      const at = this.idle.indexOf(proc);
      if (at >= 0) this.idle.splice(at, 1);
      // A queued call may have been counting on this process.
      this.grow();
    });
    try {
      await proc.ready(this.startTimeoutMs);
    } catch (err) {
      this.all.delete(proc);
      throw err instanceof FdkStartError ? err : new FdkStartError(String(err), 'spawn', { cause: err });
    } finally {
      this.starting -= 1;
    }
    this.coldStarts += 1;
    this.lastColdStartMs = proc.readyAfterMs;
    return proc;
  }

  private handOver(proc: FdkProcess): void {
    if (this.closed || !proc.alive) {
      this.all.delete(proc);
      void proc.stop('SIGKILL');
      this.grow();
      return;
    }
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.idle.push(proc);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(proc);
  }

  private forget(waiter: Waiter): void {
    const at = this.waiters.indexOf(waiter);
    if (at >= 0) this.waiters.splice(at, 1);
  }
}
