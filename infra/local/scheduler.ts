/**
 * The local stand-in for OCI Resource Scheduler: fires each scheduled function's tick through
 * the Fn runner. A schedule never overlaps itself: the next tick is timed from the end of the
 * previous call, so a slow settlement run delays the next instead of piling up behind it.
 *
 * Locally the domain events also move on nudges (`nudge`, wired by `eventNudges` in cloud.ts): a
 * call that may have written to the outbox nudges the relay, and a relay run that published
 * nudges the stream's consumers, so an event reaches webhooks and the warehouse in well under a
 * second instead of waiting for ticks.
 */
import { scheduleTick } from '#events/schedule-tick.ts';
import type { FunctionManifest } from '#shared/runtime/manifest.ts';
import type { CallOutcome, FnRunner } from './fn/runner.ts';

export interface ScheduledCall {
  readonly functionName: string;
  readonly schedule: string;
  readonly everyMs: number;
}

export interface SchedulerOptions {
  readonly runner: FnRunner;
  readonly calls: readonly ScheduledCall[];
  /**
   * Start firing on start(); tests turn this off and call runNow() themselves (nudges are then
   * ignored too, so nothing runs that the test did not ask for).
   */
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
  /** Schedules nudged while their call was in flight: each runs once more when it ends. */
  private readonly nudged = new Set<string>();
  private closed = false;
  private paused = false;
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

  /**
   * Runs `functionName`'s (first) schedule now, outside its timer: at once when it is idle, else
   * once more right after the call in flight (however many nudges arrive meanwhile: a burst
   * becomes one extra run). A name without a schedule is ignored, so nudges can name functions
   * that are not in the catalog yet.
   */
  nudge(functionName: string): void {
    if (this.closed || this.paused || this.options.autoStart === false) return;
    const call = this.options.calls.find((candidate) => candidate.functionName === functionName);
    if (!call) return;
    const key = keyOf(call);
    if (this.running.has(key)) {
      this.nudged.add(key);
      return;
    }
    this.fireAndForget(call);
  }

  /**
   * Stops firing (timers and nudges) until resume(), once the runs in flight have ended. For
   * request-path benchmarks: on OCI the relay and the stream's consumers run in containers of
   * their own, while here they would share the two cores with the path being measured.
   */
  async pause(): Promise<void> {
    this.paused = true;
    this.nudged.clear();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled(this.running.values());
  }

  /** Fires again after pause(): every schedule is armed anew and nudges count again. */
  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    if (this.options.autoStart === false) return;
    for (const call of this.options.calls) this.arm(call);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.nudged.clear();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled(this.running.values());
  }

  private arm(call: ScheduledCall): void {
    if (this.closed || this.paused) return;
    const timer = setTimeout(() => {
      this.fire(call)
        .catch((error: unknown) => this.failed(call, error))
        .finally(() => this.arm(call));
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
      .finally(() => {
        this.running.delete(key);
        if (this.nudged.delete(key) && !this.closed && !this.paused) this.fireAndForget(call);
      });
    this.running.set(key, outcome);
    return outcome;
  }

  private fireAndForget(call: ScheduledCall): void {
    this.fire(call).catch((error: unknown) => this.failed(call, error));
  }

  private failed(call: ScheduledCall, error: unknown): void {
    this.options.log?.({
      level: 'warn',
      msg: 'scheduled call could not be made',
      ...call,
      error: String(error),
    });
  }
}

/** The relay: the only producer of the event stream (functions/outbox-relay). */
export const OUTBOX_RELAY = 'outbox-relay';
/**
 * Consumers of the event stream nudged after a relay run that published: those named here and
 * any whose manifest says it consumes the stream; only those with a schedule are ever run.
 */
const STREAM_CONSUMERS = ['webhook-dispatch', 'warehouse-loader', 'analytics', 'analytics-forward'];

/**
 * Who to nudge when a call of `functionName` ends. Any call but the relay's and the consumers'
 * may have written to the outbox: it nudges the relay. A relay run nudges the consumers unless
 * its answer says it published nothing. Consumers nudge nobody (what they write to the outbox
 * goes at the relay's next tick), so relay and consumers never keep each other running.
 */
export function eventNudges(
  manifests: readonly FunctionManifest[],
): (functionName: string, outcome: CallOutcome) => readonly string[] {
  const scheduled = manifests.filter((manifest) => (manifest.schedules ?? []).length > 0);
  const consumers = scheduled
    .filter(
      (manifest) => STREAM_CONSUMERS.includes(manifest.name) || manifest.eventStream?.access === 'consume',
    )
    .map((manifest) => manifest.name);
  const relay = scheduled.some((manifest) => manifest.name === OUTBOX_RELAY) ? [OUTBOX_RELAY] : [];
  return (functionName, outcome) => {
    if (functionName === OUTBOX_RELAY) return publishedNothing(outcome) ? [] : consumers;
    return consumers.includes(functionName) ? [] : relay;
  };
}

/** The relay's answer (`{status, detail: {published, busy}}`) says it published nothing. */
function publishedNothing(outcome: CallOutcome): boolean {
  if (outcome.kind !== 'ok') return false;
  try {
    const detail = (JSON.parse(outcome.reply.body.toString('utf8')) as { detail?: Record<string, unknown> })
      .detail;
    return detail?.published === 0 || detail?.busy === true;
  } catch {
    return false;
  }
}

const keyOf = (call: ScheduledCall) => `${call.functionName}/${call.schedule}`;
