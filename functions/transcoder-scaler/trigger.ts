import { z } from 'zod';
import type { ScheduleTick } from '#events/schedule-tick.ts';

/**
 * A Monitoring alarm as Notifications delivers it to a function (the alarm message JSON). Only a
 * hint that the queue moved: the scaler reads the queue itself, so nothing here is trusted and
 * unknown fields are ignored.
 */
export const alarmNotificationSchema = z.object({
  dedupeKey: z.string().max(512).optional(),
  type: z.string().max(64).optional(),
  title: z.string().max(1024).optional(),
  timestampEpochMillis: z.number().optional(),
});

/** What wakes the scaler: its schedule's tick or a backlog alarm (see scheduledFunction). */
export type ScalerTrigger = ScheduleTick | z.infer<typeof alarmNotificationSchema>;

/** What woke the scaler, for its log line. */
export function describeTrigger(trigger: ScalerTrigger): string {
  if ('eventType' in trigger) return `schedule ${trigger.data.schedule}`;
  return `alarm ${trigger.type ?? 'notification'}`;
}
