import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, keyWrapperConfig } from '#shared/config/platform.ts';
import { eventStreamConfig } from '#shared/stream/stream-from-config.ts';
import { webhookDeliveryConfig } from '#shared/webhooks/webhook-config.ts';

const shape = {
  ...databaseConfig,
  ...keyWrapperConfig,
  ...eventStreamConfig,
  ...webhookDeliveryConfig,
  /**
   * How long one tick keeps consuming and sending. 0 (the local cloud, ticking every second): one
   * pass, and more only while passes find work. OCI's scheduler ticks once a minute, so Terraform
   * sets 50: deliveries then leave within about a second, not within the next minute.
   */
  WEBHOOK_RUN_SECONDS: z.coerce.number().int().min(0).max(240).default(0),
  /** Pause between passes that found nothing, within a run. */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(50).max(10_000).default(500),
  /** Stream messages read per pass. */
  WEBHOOK_READ_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Deliveries claimed per pass (sent WEBHOOK_CONCURRENCY at a time). */
  WEBHOOK_SEND_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  /** Finished deliveries and their attempts are kept this long (the delivery log). */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
};

export const webhookDispatchConfigKeys = Object.keys(shape);
export const loadWebhookDispatchConfig = () => readConfig(shape);
