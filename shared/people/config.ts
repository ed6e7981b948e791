import { z } from 'zod';
import type { SessionLifetime } from './session-repository.ts';

/** Where browsers reach the portal (its origin only): the session cookie's site and the CSRF check. */
export const portalConfig = {
  PORTAL_ORIGIN: z.url().refine(isOrigin, 'must be an origin: scheme, host and port only'),
};

function isOrigin(text: string): boolean {
  try {
    return new URL(text).origin === text.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/** Session lifetimes: idle (sliding; default 30 minutes) and absolute (default 12 hours). */
export const sessionLifetimeConfig = {
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(12),
};

/** The idle bound never exceeds the absolute one. */
export function sessionLifetimeOf(config: {
  readonly SESSION_IDLE_MINUTES: number;
  readonly SESSION_ABSOLUTE_HOURS: number;
}): SessionLifetime {
  const absoluteMs = config.SESSION_ABSOLUTE_HOURS * 3_600_000;
  return { idleMs: Math.min(config.SESSION_IDLE_MINUTES * 60_000, absoluteMs), absoluteMs };
}
