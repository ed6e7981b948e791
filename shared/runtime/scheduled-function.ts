import { z } from 'zod';
import { type ScheduleTick, scheduleTickSchema, tickForEmptyBody } from '#events/schedule-tick.ts';
import { type EventFunction, type EventOutcome, eventFunction } from './function.ts';

/** What a scheduled function's manifest says about it: its name and its schedules. */
export interface ScheduledManifest {
  readonly name: string;
  readonly schedules?: readonly { readonly name: string }[];
}

/** Events a scheduled function also takes besides its ticks (object-storage events, alarms). */
export interface AlsoHandled<E> {
  readonly schema: z.ZodType<E>;
  readonly handle: (event: E) => Promise<EventOutcome>;
}

/**
 * A scheduled function: `onTick` runs for each tick addressed to this function. A tick for another
 * function is ignored (a schedule wired to the wrong function must not run this one's work), and an
 * empty body stands for the first schedule's tick (see EventFunctionOptions.whenEmpty). `also`
 * takes the other events the function is subscribed to; a body is read as a tick first, so an
 * `also` schema that would accept anything (an alarm's all-optional fields) never swallows a tick.
 */
export function scheduledFunction<E = never>(
  manifest: ScheduledManifest,
  onTick: (tick: ScheduleTick) => Promise<EventOutcome>,
  also?: AlsoHandled<E>,
): EventFunction {
  const tick = scheduleTickSchema.transform((value) => ({ tick: value }) as const);
  const schema: z.ZodType<{ tick: ScheduleTick } | { event: E }> =
    also === undefined
      ? tick
      : z.union([tick, also.schema.transform((value) => ({ event: value }) as const)]);
  return eventFunction(
    schema,
    async (received) => {
      if ('event' in received) {
        // Only reachable when `also` was given: the schema has no other branch.
        return (also as AlsoHandled<E>).handle(received.event);
      }
      if (received.tick.data.function !== manifest.name) {
        return { status: 'ignored', reason: `a tick for ${received.tick.data.function}` };
      }
      return onTick(received.tick);
    },
    { whenEmpty: tickForEmptyBody(manifest) },
  );
}
