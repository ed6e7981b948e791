import { createPool } from '#shared/db/pool.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { paymentsFromConfig } from '#shared/payments/payments-from-config.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import type { ProcessingDeps } from '#shared/shows/stripe-processing.ts';
import { loadStripeSweepConfig } from './config.ts';
import { stripeSweepManifest } from './manifest.ts';
import { runSweep } from './sweep.ts';

const config = loadStripeSweepConfig();
const pool = createPool(config.MYSQL_URL);
const deps: ProcessingDeps = {
  pool,
  payments: paymentsFromConfig(config),
  paymentPendingHoldSeconds: config.STRIPE_PAYMENT_PENDING_HOLD_SECONDS,
  metrics: processMetrics().with({ function: stripeSweepManifest.name }),
};

export const handler = scheduledFunction(stripeSweepManifest, async () => {
  const summary = await runSweep(deps, {
    batch: config.STRIPE_SWEEP_BATCH,
    releaseBatch: config.STRIPE_RELEASE_BATCH,
    retryBaseSeconds: config.STRIPE_RETRY_BASE_SECONDS,
    retryMaxSeconds: config.STRIPE_RETRY_MAX_SECONDS,
    maxAttempts: config.STRIPE_RETRY_MAX_ATTEMPTS,
    // A late refund may take the Stripe timeout; keep that much of the function timeout spare.
    budgetMs: Math.max(1000, stripeSweepManifest.timeoutSeconds * 1000 - 2 * config.STRIPE_TIMEOUT_MS),
  });
  return { status: 'processed', detail: { ...summary } };
});
