import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '#shared/base/log.ts';
import { keyWrapperFromConfig } from '#shared/crypto/key-wrapper-from-config.ts';
import { createPool } from '#shared/db/pool.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { eventStreamFromConfig } from '#shared/stream/stream-from-config.ts';
import { WebhookDeliverer } from '#shared/webhooks/deliverer.ts';
import { failAbandonedDeliveries, pruneFinishedDeliveries } from '#shared/webhooks/delivery-repository.ts';
import { WebhookDispatcher } from '#shared/webhooks/dispatcher.ts';
import { SecretBox } from '#shared/webhooks/secret-box.ts';
import { delivererOptionsFromConfig } from '#shared/webhooks/webhook-config.ts';
import { loadWebhookDispatchConfig } from './config.ts';
import { webhookDispatchManifest } from './manifest.ts';

const config = loadWebhookDispatchConfig();
// Sending holds no connection while it waits on an endpoint; a few cover the claim and the logs.
const pool = createPool(config.MYSQL_URL, { connectionLimit: 4 });
const deliverer = new WebhookDeliverer(
  pool,
  new SecretBox(keyWrapperFromConfig(config)),
  delivererOptionsFromConfig(config),
);
const dispatcher = new WebhookDispatcher(pool, eventStreamFromConfig(config, pool), deliverer, {
  readLimit: config.WEBHOOK_READ_BATCH,
  sendLimit: config.WEBHOOK_SEND_BATCH,
});
/** Longest wait between passes while the database or the stream fails. */
const MAX_BACKOFF_MS = 30_000;
/** A single-pass tick (WEBHOOK_RUN_SECONDS=0) still keeps going while there is work, up to this. */
const BUSY_RUN_MS = 20_000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
const PRUNE_BATCH = 5000;
const PRUNE_BUDGET_MS = 10_000;
let lastPrune = 0;

/**
 * Finishes what a disabled endpoint can no longer get, then deletes expired log rows in batches
 * until none are left or PRUNE_BUDGET_MS has passed.
 */
async function pruneDeliveryLog(): Promise<void> {
  const retentionMs = config.WEBHOOK_RETENTION_DAYS * 24 * 60 * 60 * 1000;
  const until = Date.now() + PRUNE_BUDGET_MS;
  try {
    while (
      (await failAbandonedDeliveries(pool, config.WEBHOOK_RETRY_FOR_MS, PRUNE_BATCH)) === PRUNE_BATCH &&
      Date.now() < until
    );
    while (
      (await pruneFinishedDeliveries(pool, retentionMs, PRUNE_BATCH)) === PRUNE_BATCH &&
      Date.now() < until
    );
  } catch (error) {
    log.warn('webhook delivery log not pruned', { error });
  }
}

export const handler = scheduledFunction(webhookDispatchManifest, async () => {
  const started = Date.now();
  const watchUntil = started + config.WEBHOOK_RUN_SECONDS * 1000;
  const busyUntil = started + Math.max(config.WEBHOOK_RUN_SECONDS * 1000, BUSY_RUN_MS);
  const totals = { passes: 0, events: 0, deliveries: 0, delivered: 0, retrying: 0, failed: 0, disabled: 0 };
  let backoffMs = config.WEBHOOK_POLL_MS;
  try {
    for (;;) {
      totals.passes += 1;
      let busy = false;
      try {
        const { expanded, sent } = await dispatcher.pass();
        totals.events += expanded.events;
        totals.deliveries += expanded.deliveries;
        totals.delivered += sent.delivered;
        totals.retrying += sent.retrying;
        totals.failed += sent.failed;
        totals.disabled += sent.disabled;
        busy = expanded.messages > 0 || sent.claimed > 0;
        backoffMs = config.WEBHOOK_POLL_MS;
      } catch (error) {
        log.warn('webhook dispatch pass failed; retrying', { error });
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
      const now = Date.now();
      if (busy && now < busyUntil) continue;
      if (now + backoffMs >= watchUntil) break;
      await sleep(backoffMs);
    }
  } finally {
    // Leave the group at the end of every tick: the local cloud runs two processes of this
    // function and a tick reaches only one; an instance that stayed would keep its partitions
    // unread until the group timed it out.
    await dispatcher
      .close()
      .catch((error: unknown) => log.warn('webhooks group reader did not close', { error }));
  }
  if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
    lastPrune = Date.now();
    await pruneDeliveryLog();
  }
  if (totals.deliveries + totals.delivered + totals.failed > 0) log.info('webhooks dispatched', totals);
  return { status: 'processed', detail: totals };
});
