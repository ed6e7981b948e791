import { z } from 'zod';

/**
 * What a scheduled function receives on each timer firing. Shaped like the other CloudEvents we
 * route so the same event-function runtime handles it; `eventID` is unique per firing.
 */
export const SCHEDULE_TICK_TYPE = 'com.forgecast.schedule.tick';

export const scheduleTickSchema = z.object({
  eventType: z.literal(SCHEDULE_TICK_TYPE),
  eventID: z.string().min(1),
  eventTime: z.string(),
  data: z.object({ function: z.string().min(1), schedule: z.string().min(1) }),
});

export type ScheduleTick = z.infer<typeof scheduleTickSchema>;

export function scheduleTick(functionName: string, schedule: string, at = new Date()): ScheduleTick {
  return {
    eventType: SCHEDULE_TICK_TYPE,
    eventID: `${functionName}:${schedule}:${at.getTime()}`,
    eventTime: at.toISOString(),
    data: { function: functionName, schedule },
  };
}

/**
 * The tick an empty invocation of a scheduled function stands for: its first schedule's, with a
 * fresh eventID (see EventFunctionOptions.whenEmpty).
 */
export function tickForEmptyBody(manifest: {
  readonly name: string;
  readonly schedules?: readonly { readonly name: string }[];
}): () => ScheduleTick {
  const schedule = manifest.schedules?.[0]?.name;
  if (schedule === undefined) throw new Error(`${manifest.name} has no schedule`);
  return () => scheduleTick(manifest.name, schedule);
}
