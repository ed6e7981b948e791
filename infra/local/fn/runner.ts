import { randomUUID } from 'node:crypto';
import {
  FdkCallTimeoutError,
  FdkNotDeliveredError,
  type FdkProcess,
  type FdkProcessSpec,
  type FdkReply,
  FdkStartError,
} from './fdk-process.ts';
import { FunctionPool, PoolBusyError } from './function-pool.ts';

/** Fn and API Gateway refuse request bodies above 6 MB. */
export const MAX_CALL_BODY_BYTES = 6 * 1024 * 1024;

export interface RunnerFunction extends FdkProcessSpec {
  readonly timeoutSeconds: number;
}

export type CallOutcome =
  | { readonly kind: 'ok'; readonly reply: FdkReply; readonly callId: string }
  /** The FDK answered 502: the function threw. The container is kept, as Fn does. */
  | { readonly kind: 'failed'; readonly reply: FdkReply; readonly callId: string }
  /** The deadline passed: in the function, or queued for a process (a busy or slow-starting pool). */
  | { readonly kind: 'timeout'; readonly callId: string }
  /** The container broke the protocol or died mid-call; it has been replaced. */
  | { readonly kind: 'crashed'; readonly callId: string; readonly detail: string }
  | { readonly kind: 'start-failed'; readonly callId: string; readonly detail: string }
  | { readonly kind: 'too-large'; readonly callId: string };

export interface CallInput {
  /** Extra Fn headers (HTTP intent, Fn-Http-*); Fn-Call-Id and Fn-Deadline are added here. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
  /** Defaults to the function's manifest timeout. */
  readonly timeoutMs?: number;
}

/** The local Fn server: a pool of hot FDK containers per function. */
export class FnRunner {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly functions = new Map<string, RunnerFunction>();

  constructor(
    functions: readonly RunnerFunction[],
    options: { processesPerFunction?: number; startTimeoutMs?: number } = {},
  ) {
    for (const fn of functions) {
      this.functions.set(fn.name, fn);
      this.pools.set(
        fn.name,
        new FunctionPool(fn, options.processesPerFunction ?? 2, {
          ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
        }),
      );
    }
  }

  has(name: string): boolean {
    return this.pools.has(name);
  }

  pool(name: string): FunctionPool {
    const pool = this.pools.get(name);
    if (!pool) throw new Error(`no function named ${name}`);
    return pool;
  }

  async call(name: string, input: CallInput): Promise<CallOutcome> {
    const callId = randomUUID();
    const pool = this.pool(name);
    const fn = this.functions.get(name) as RunnerFunction;
    if (input.body.length > MAX_CALL_BODY_BYTES) return { kind: 'too-large', callId };
    const timeoutMs = input.timeoutMs ?? fn.timeoutSeconds * 1000;
    const deadline = new Date(Date.now() + timeoutMs);
    const deadlineAt = performance.now() + timeoutMs;

    // A call that reached no process (it had died, nothing accepted on its socket) goes to another
    // one; a call that may have run is never sent twice.
    for (;;) {
      let proc: FdkProcess;
      try {
        proc = await pool.acquire(deadlineAt);
      } catch (err) {
        if (err instanceof PoolBusyError) return { kind: 'timeout', callId };
        return { kind: 'start-failed', callId, detail: err instanceof Error ? err.message : String(err) };
      }
      const remainingMs = deadlineAt - performance.now();
      if (remainingMs <= 0) {
        pool.release(proc, true);
        return { kind: 'timeout', callId };
      }
      try {
        const reply = await proc.call({
          headers: {
            ...input.headers,
            'Fn-Call-Id': callId,
            // RFC 3339 with seconds, as Fn sends it.
            'Fn-Deadline': deadline.toISOString(),
          },
          body: input.body,
          timeoutMs: remainingMs,
        });
        if (reply.status === 200) {
          pool.release(proc, true);
          return { kind: 'ok', reply, callId };
        }
        if (reply.status === 502) {
          pool.release(proc, true);
          return { kind: 'failed', reply, callId };
        }
        pool.release(proc, false);
        return { kind: 'crashed', callId, detail: `invalid response status ${reply.status}` };
      } catch (err) {
        pool.release(proc, false);
        if (err instanceof FdkNotDeliveredError) continue;
        if (err instanceof FdkCallTimeoutError) return { kind: 'timeout', callId };
        return { kind: 'crashed', callId, detail: err instanceof Error ? err.message : String(err) };
      }
    }
  }

  /**
   * One hot process per function, a few at a time (starting all at once on a small machine only
   * makes each slower). A function whose process exits during start is broken (its config or
   * code): that fails the warm-up, naming it. One that is merely slow is waited for; one hung
   * past the start budget is reported through `onSlow` and left to start again on its first call.
   */
  async warmAll(
    concurrency = 4,
    onSlow: (name: string, error: FdkStartError) => void = () => {},
  ): Promise<void> {
    const pending = [...this.pools.values()];
    const next = async (): Promise<void> => {
      for (let pool = pending.shift(); pool; pool = pending.shift()) {
        try {
          await pool.warm();
        } catch (err) {
          if (err instanceof FdkStartError && err.reason === 'not-listening') onSlow(pool.spec.name, err);
          else throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, next));
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }
}
