import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { eventStreamConfig } from '#shared/stream/stream-from-config.ts';

const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const shape = {
  ...databaseConfig,
  ...eventStreamConfig,
  /**
   * Most seconds one run drains (and, with RELAY_IDLE_POLL_MS, watches) before it returns; rows
   * left then go at the next tick. Locally 5 (the scheduler ticks every second). OCI's scheduler
   * fires once a minute, so Terraform sets 50: below the manifest's 120 s timeout, and one
   * invocation drains the whole minute.
   */
  RELAY_RUN_SECONDS: count(1, 100, 5),
  /**
   * 0 (local): a run returns as soon as nothing is pending (the next tick, or the local cloud's
   * nudge after a write, comes within a second). On OCI Terraform sets 500: an idle run looks
   * again every half second until RELAY_RUN_SECONDS, so events leave within about a second.
   */
  RELAY_IDLE_POLL_MS: count(0, 10_000, 0),
  /** Most records per put (each of another aggregate); also bounded by 1 MB per put. */
  RELAY_BATCH_SIZE: count(1, 1000, 500),
  /** First wait after a throttled or failed put, doubling up to RELAY_MAX_BACKOFF_MS. */
  RELAY_BACKOFF_MS: count(10, 10_000, 100),
  RELAY_MAX_BACKOFF_MS: count(10, 60_000, 5_000),
  /**
   * Most windows of 4 × RELAY_BATCH_SIZE pending rows a round reads when the first holds fewer
   * heads than a batch (a hot aggregate's run of events), so the aggregates behind it still go.
   */
  RELAY_SCAN_WINDOWS: count(1, 50, 5),
  /**
   * A head the stream keeps refusing as retryable is dead-lettered (outbox_dead_lettered, its
   * alarm) after this many refusals or this many hours since the first, whichever comes first.
   */
  RELAY_GIVE_UP_ATTEMPTS: count(1, 1_000_000, 1_000),
  RELAY_GIVE_UP_HOURS: count(1, 24 * 30, 24),
};

export const outboxRelayConfigKeys = Object.keys(shape);
export const loadOutboxRelayConfig = () => readConfig(shape);
