import { z } from 'zod';
import { configFields } from '#shared/config/config.ts';
import type { DelivererOptions } from './deliverer.ts';

/**
 * What both webhook functions read to send: the target rules, the HTTP limits and the retry and
 * disabling times. Times are milliseconds so tests can run a "3 days" policy in seconds.
 */
export const webhookDeliveryConfig = {
  /**
   * Local cloud only: allows http and private, loopback and link-local targets (its receivers run
   * on loopback). Never in production: it opens the platform's network to SSRF.
   */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: configFields.boolean.default(false),
  /** DNS, connect and the whole answer. At most 10 s: the webhooks routes wait for a test send within their 15 s. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(5000),
  WEBHOOK_MAX_RESPONSE_BYTES: z.coerce.number().int().min(0).max(65_536).default(4096),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).default(30_000),
  WEBHOOK_RETRY_MAX_DELAY_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(6 * 60 * 60 * 1000),
  /** How long a delivery is retried before it fails for good (3 days). */
  WEBHOOK_RETRY_FOR_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(3 * 24 * 60 * 60 * 1000),
  /** An endpoint that fails every attempt for this long is disabled (5 days). */
  WEBHOOK_DISABLE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(5 * 24 * 60 * 60 * 1000),
  /** How long a rotated-out secret keeps signing beside the new one (24 h). */
  WEBHOOK_SECRET_OVERLAP_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 60 * 60 * 1000),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** Of those, at most this many to one endpoint (one that hangs cannot take every slot). */
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
};

export type WebhookDeliveryConfig = Readonly<z.infer<z.ZodObject<typeof webhookDeliveryConfig>>>;

export const WEBHOOK_USER_AGENT = 'Forgecast-Webhooks/1.0 (+https://forgecast.dev/docs/webhooks)';

export function delivererOptionsFromConfig(config: WebhookDeliveryConfig): DelivererOptions {
  return {
    sender: {
      allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_BYTES,
      userAgent: WEBHOOK_USER_AGENT,
    },
    retry: {
      baseDelayMs: config.WEBHOOK_RETRY_BASE_MS,
      maxDelayMs: config.WEBHOOK_RETRY_MAX_DELAY_MS,
      retryForMs: config.WEBHOOK_RETRY_FOR_MS,
    },
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    endpointConcurrency: config.WEBHOOK_ENDPOINT_CONCURRENCY,
  };
}
