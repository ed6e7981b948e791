import { z } from 'zod';
import { QUEUES } from '#events/queues.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, relayerConfig } from '#shared/config/platform.ts';
import { queueIdConfig, workQueueConfig } from '#shared/queue/queue-from-config.ts';

const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const shape = {
  ...databaseConfig,
  ...relayerConfig,
  ...workQueueConfig,
  ...queueIdConfig(QUEUES.settlement),
  LICENSE_LEDGER_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a contract address'),
  /** Prints per settleBatch; 200 stays well under a block's gas limit (~12k gas a print). */
  SETTLE_MAX_PRINTS: count(1, 1000, 200),
  SETTLE_MAX_LICENSES: count(1, 200, 50),
  /** A counted print without a nudge is swept into a batch after this long (its nudge was lost). */
  SETTLE_SWEEP_AFTER_SECONDS: count(0, 86_400, 60),
  /** How long one run waits for its batch to be mined; keep well inside the manifest timeout. */
  SETTLE_RECEIPT_WAIT_MS: count(0, 40_000, 15_000),
  SETTLE_RELEASE_LIMIT: count(1, 10_000, 500),
};

export const settlerConfigKeys = Object.keys(shape);
export const loadSettlerConfig = () => readConfig(shape);
export type SettlerConfig = ReturnType<typeof loadSettlerConfig>;
