import { FdkProcess, type FdkProcessSpec } from './fdk-process.ts';

/**
 * Hot containers of one function. Like Fn, a container takes one call at a time; a new one
 * starts when all are busy and the pool is below its size, otherwise the call waits its turn.
 */
export class FunctionPool {
  readonly spec: FdkProcessSpec;
  readonly maxProcesses: number;
  coldStarts = 0;
  lastColdStartMs = 0;
  private readonly idle: FdkProcess[] = [];
  private readonly all = new Set<FdkProcess>();
  private starting = 0;
  private readonly waiters: Array<{ resolve: (proc: FdkProcess) => void; reject: (err: unknown) => void }> =
    [];
  private closed = false;

  constructor(spec: FdkProcessSpec, maxProcesses: number) {
    this.spec = spec;
    this.maxProcesses = maxProcesses;
  }

  get size(): number {
    return this.all.size;
  }

  async acquire(): Promise<FdkProcess> {
    if (this.closed) throw new Error(`pool ${this.spec.name} is closed`);
    for (let proc = this.idle.pop(); proc; proc = this.idle.pop()) {
      if (proc.alive) return proc;
    }
    if (this.all.size + this.starting < this.maxProcesses) return this.startOne();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Hands a process back; a broken one is stopped and forgotten, so the next call gets a fresh one. */
  release(proc: FdkProcess, healthy: boolean): void {
    if (!healthy || !proc.alive || this.closed) {
      this.all.delete(proc);
      void proc.stop('SIGKILL');
      this.serveWaiterWithNewProcess();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(proc);
    else this.idle.push(proc);
  }

  async warm(): Promise<void> {
    if (this.all.size + this.starting === 0) this.release(await this.startOne(), true);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all].map((proc) => proc.stop()));
    this.all.clear();
    this.idle.length = 0;
  }

  private async startOne(): Promise<FdkProcess> {
    this.starting += 1;
    try {
      const proc = await FdkProcess.start(this.spec);
      this.coldStarts += 1;
      this.lastColdStartMs = proc.readyAfterMs;
      this.all.add(proc);
      proc.onExit(() => {
        this.all.delete(proc);
        const at = this.idle.indexOf(proc);
        if (at >= 0) this.idle.splice(at, 1);
      });
      return proc;
    } finally {
      this.starting -= 1;
    }
  }

  private serveWaiterWithNewProcess(): void {
    const waiter = this.waiters.shift();
    if (!waiter) return;
    this.startOne().then(waiter.resolve, waiter.reject);
  }
}
