import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { stripeProcessingConfig } from '#shared/shows/stripe-processing-config.ts';

const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const sweepShape = {
  ...stripeProcessingConfig,
  /** Unprocessed events retried per tick. */
  STRIPE_SWEEP_BATCH: count(1, 1000, 100),
  /** Retry n waits base * 2^n seconds after the event was received, at most the cap. */
  STRIPE_RETRY_BASE_SECONDS: count(1, 3600, 10),
  STRIPE_RETRY_MAX_SECONDS: count(10, 86_400, 3600),
  /** Stripe itself stops redelivering after three days; so does the sweep, after this many tries. */
  STRIPE_RETRY_MAX_ATTEMPTS: count(1, 1000, 80),
  /** Expired holds released per tick. */
  STRIPE_RELEASE_BATCH: count(1, 10_000, 500),
};

export const stripeSweepConfigKeys = Object.keys(sweepShape);
export const loadStripeSweepConfig = () => readConfig(sweepShape);
export type StripeSweepConfig = ReturnType<typeof loadStripeSweepConfig>;
