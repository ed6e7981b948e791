/**
 * The local stand-in for OCI Resource Scheduler: fires each scheduled function's tick through
 * the Fn runner. A schedule never overlaps itself: the next tick is timed from the end of the
 * previous call, so a slow settlement run delays the next instead of piling up behind it.
 */
import { scheduleTick } from '../../events/schedule-tick.ts';
import type { FunctionManifest } from '../../shared/runtime/manifest.ts';
import type { CallOutcome, FnRunner } from './fn/runner.ts';

export interface ScheduledCall {
  readonly functionName: string;
  readonly schedule: string;
  readonly everyMs: number;
}

export interface SchedulerOptions {
  readonly runner: FnRunner;
  readonly calls: readonly ScheduledCall[];
  /** Start firing on start(); tests turn this off and call runNow() themselves. */
  readonly autoStart?: boolean;
  readonly log?: (line: Record<string, unknown>) => void;
}

export function scheduledCalls(
  manifests: readonly FunctionManifest[],
  overrideEveryMs?: Readonly<Record<string, number>>,
): ScheduledCall[] {
  return manifests.flatMap((manifest) =>
    (manifest.schedules ?? []).map((schedule) => ({
      functionName: manifest.name,
      schedule: schedule.name,
      everyMs: overrideEveryMs?.[manifest.name] ?? schedule.everySeconds * 1000,
    })),
  );
}

export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<CallOutcome>>();
  private closed = false;
  private readonly options: SchedulerOptions;

  constructor(options: SchedulerOptions) {
    this.options = options;
  }

  start(): void {
    if (this.options.autoStart === false) return;
    for (const call of this.options.calls) this.arm(call);
  }

  /** Fires one tick now (or joins the one in flight) and returns the function's outcome. */
  runNow(functionName: string, schedule?: string): Promise<CallOutcome> {
    const call = this.options.calls.find(
      (candidate) =>
        candidate.functionName === functionName &&
        (schedule === undefined || candidate.schedule === schedule),
    );
    if (!call) throw new Error(`No schedule for ${functionName}`);
    return this.fire(call);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled(this.running.values());
  }

  private arm(call: ScheduledCall): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      void this.fire(call).finally(() => this.arm(call));
    }, call.everyMs);
    timer.unref();
    this.timers.set(keyOf(call), timer);
  }

  private fire(call: ScheduledCall): Promise<CallOutcome> {
    const key = keyOf(call);
    const inFlight = this.running.get(key);
    if (inFlight) return inFlight;
    const tick = scheduleTick(call.functionName, call.schedule);
    const outcome = this.options.runner
      .call(call.functionName, {
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from(JSON.stringify(tick)),
      })
      .then((result) => {
        if (result.kind !== 'ok') {
          this.options.log?.({ level: 'warn', msg: 'scheduled call failed', ...call, outcome: result.kind });
        }
        return result;
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, outcome);
    return outcome;
  }
}

const keyOf = (call: ScheduledCall) => `${call.functionName}/${call.schedule}`;
