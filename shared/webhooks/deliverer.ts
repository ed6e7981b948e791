import { randomUUID } from 'node:crypto';
import { log } from '#shared/base/log.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import {
  type AttemptResult,
  type AttemptTrigger,
  type ClaimedDelivery,
  claimDueDeliveries,
  findOrgDelivery,
  insertAttemptedDelivery,
  parkEndpointDeliveries,
  recordAttempt,
  recordAttempts,
} from './delivery-repository.ts';
import {
  findOrgEndpoint,
  findSigningEndpoints,
  recordEndpointFailure,
  recordEndpointSuccess,
  type SigningEndpoint,
} from './endpoint-repository.ts';
import { nextAttemptAt, type RetryPolicy } from './retry-policy.ts';
import type { SecretBox } from './secret-box.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';
import { type SenderOptions, type SendOutcome, sendWebhook } from './webhook-sender.ts';

export const WEBHOOK_TEST_EVENT_TYPE = 'webhook.test';

export interface DelivererOptions {
  readonly sender: SenderOptions;
  readonly retry: RetryPolicy;
  /** An endpoint failing without a success for this long is disabled. */
  readonly disableAfterMs: number;
  /** Deliveries in flight at once per sending pass. */
  readonly concurrency: number;
  /** Deliveries to one endpoint in flight at once. */
  readonly endpointConcurrency: number;
  readonly now?: () => Date;
}

export interface SendSummary {
  readonly claimed: number;
  readonly delivered: number;
  readonly retrying: number;
  readonly failed: number;
  /** Endpoints this pass disabled. */
  readonly disabled: number;
}

/** The outcome of a manual redelivery or a test event, as the API answers it. */
export interface ImmediateOutcome extends SendOutcome {
  readonly deliveryId: string;
}

/**
 * Signs and sends deliveries: the scheduled sender's passes (due deliveries, retries with backoff,
 * disabling endpoints that keep failing) and the immediate sends the API offers (redeliver, test).
 * Every attempt is logged in webhook_attempts with its status code, latency and error.
 */
export class WebhookDeliverer {
  private readonly now: () => Date;
  private readonly pool: DbPool;
  private readonly secrets: SecretBox;
  private readonly options: DelivererOptions;
  /** Endpoints this process saw fail since it read them (their streak may not be in its snapshot). */
  private readonly failedSinceRead = new Set<string>();

  constructor(pool: DbPool, secrets: SecretBox, options: DelivererOptions) {
    this.pool = pool;
    this.secrets = secrets;
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Sends up to `limit` due deliveries, `concurrency` at a time, as a flow rather than in lockstep
   * batches: deliveries are claimed a chunk at a time while the previous chunk is still being
   * sent, and outcomes are recorded in batches behind the sending, so neither the claim nor the
   * log's writes leave the workers idle. A delivery whose outcome is not yet recorded keeps its
   * lease (and holds back its aggregate's later events), so order per aggregate is kept.
   */
  async sendDue(limit: number): Promise<SendSummary> {
    const concurrency = this.options.concurrency;
    // The lease outlives the slowest possible pass over `limit` deliveries, with room to spare.
    const leaseMs = this.options.sender.timeoutMs * (Math.ceil(limit / concurrency) + 1) + 30_000;
    const chunk = Math.max(concurrency * 2, 50);
    const summary = { claimed: 0, delivered: 0, retrying: 0, failed: 0, disabled: 0 };
    const queue: ClaimedDelivery[] = [];
    const endpoints = new Map<string, SigningEndpoint>();
    let exhausted = false;
    let claiming: Promise<void> | undefined;
    let claimFailure: unknown;
    const claimMore = (): Promise<void> => {
      claiming ??= (async () => {
        try {
          const want = Math.min(chunk, limit - summary.claimed);
          const { claimed: batch, dueFound } =
            want > 0
              ? await claimDueDeliveries(this.pool, { limit: want, leaseMs })
              : { claimed: [], dueFound: 0 };
          // Fewer due than asked for: nothing more now. (Fewer claimed than due: a race, claim again.)
          if (dueFound < want || summary.claimed + batch.length >= limit) exhausted = true;
          const unknown = [...new Set(batch.map((d) => d.endpointId))].filter((id) => !endpoints.has(id));
          for (const [id, endpoint] of await findSigningEndpoints(this.pool, unknown))
            endpoints.set(id, endpoint);
          summary.claimed += batch.length;
          queue.push(...batch);
        } catch (error) {
          // The workers finish what they hold; the pass then fails with this.
          exhausted = true;
          claimFailure ??= error;
        } finally {
          claiming = undefined;
        }
      })();
      return claiming;
    };

    const unrecorded: { deliveryId: string; result: AttemptResult }[] = [];
    let recording = Promise.resolve();
    let recordFailure: unknown;
    const flush = () => {
      const batch = unrecorded.splice(0);
      if (batch.length === 0) return recording;
      recording = recording
        .then(() => recordAttempts(this.pool, batch))
        .catch((error: unknown) => {
          // Unrecorded deliveries keep their lease and are sent again once it lapses (at least once).
          recordFailure ??= error;
        });
      return recording;
    };

    // At most `perEndpoint` deliveries of one endpoint in flight: an endpoint that hangs until the
    // timeout holds a few send slots, not all of them, and the others' deliveries go on.
    const perEndpoint = Math.min(this.options.endpointConcurrency, concurrency);
    const inFlight = new Map<string, number>();
    let wake: () => void = () => undefined;
    let slotFreed = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const freeSlot = (endpointId: string) => {
      inFlight.set(endpointId, (inFlight.get(endpointId) ?? 1) - 1);
      const waiting = wake;
      slotFreed = new Promise<void>((resolve) => {
        wake = resolve;
      });
      waiting();
    };
    const takeSendable = (): ClaimedDelivery | undefined => {
      const index = queue.findIndex((delivery) => (inFlight.get(delivery.endpointId) ?? 0) < perEndpoint);
      return index < 0 ? undefined : queue.splice(index, 1)[0];
    };

    const worker = async () => {
      for (;;) {
        if (!exhausted && queue.length <= concurrency) {
          const refill = claimMore();
          if (queue.length === 0) await refill;
        }
        const delivery = takeSendable();
        if (!delivery) {
          if (queue.length === 0) {
            if (exhausted) return;
            continue;
          }
          // Only deliveries of endpoints at their limit are left: claim more, or wait for a slot.
          if (!exhausted) await claimMore();
          else await slotFreed;
          continue;
        }
        const endpoint = endpoints.get(delivery.endpointId);
        if (!endpoint) continue;
        inFlight.set(delivery.endpointId, (inFlight.get(delivery.endpointId) ?? 0) + 1);
        let result: Awaited<ReturnType<WebhookDeliverer['attemptScheduled']>>;
        try {
          result = await this.attemptScheduled(endpoint, delivery);
        } finally {
          freeSlot(delivery.endpointId);
        }
        unrecorded.push({ deliveryId: delivery.id, result: result.attempt });
        if (unrecorded.length >= chunk) void flush();
        summary[result.outcome] += 1;
        if (result.disabled) summary.disabled += 1;
      }
    };
    // Every worker finishes before the last outcomes are recorded, and nothing runs on after.
    const settled = await Promise.allSettled(Array.from({ length: concurrency }, worker));
    await flush();
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    if (claimFailure !== undefined) throw claimFailure;
    if (recordFailure !== undefined) throw recordFailure;
    return summary;
  }

  private async attemptScheduled(
    endpoint: SigningEndpoint,
    delivery: ClaimedDelivery,
  ): Promise<{ outcome: 'delivered' | 'retrying' | 'failed'; disabled: boolean; attempt: AttemptResult }> {
    const sent = await this.post(endpoint, delivery);
    const attempts = delivery.attempts + 1;
    let next: AttemptResult['next'];
    if (sent.ok) {
      next = { status: 'delivered' };
    } else {
      // The window is judged on this clock; the time itself is set by the database's (NOW(3) + delay).
      const now = this.now();
      const at = nextAttemptAt(attempts, delivery.createdAt, now, this.options.retry);
      next = at ? { status: 'pending', retryInMs: at.getTime() - now.getTime() } : { status: 'failed' };
    }
    const disabled = await this.recordEndpointHealth(endpoint, sent);
    return {
      outcome: next.status === 'pending' ? 'retrying' : next.status,
      disabled,
      attempt: { ...attemptResult('scheduled', sent, next), leaseToken: delivery.leaseToken },
    };
  }

  /**
   * Sends one of the organisation's deliveries again now, whatever its state (ordering is the
   * caller's choice here). A success finishes a pending delivery; a failure changes nothing of its
   * schedule.
   */
  async redeliver(orgId: string, deliveryId: string): Promise<ImmediateOutcome> {
    const delivery = await findOrgDelivery(this.pool, orgId, deliveryId);
    if (!delivery) throw new NotFoundError(`No webhook delivery ${deliveryId}`);
    const endpoint = (await findSigningEndpoints(this.pool, [delivery.endpointId])).get(delivery.endpointId);
    if (!endpoint) throw new NotFoundError(`No webhook delivery ${deliveryId}`);
    const sent = await this.post(endpoint, delivery);
    const next: AttemptResult['next'] =
      sent.ok || delivery.status !== 'pending'
        ? { status: sent.ok ? 'delivered' : delivery.status === 'delivered' ? 'delivered' : 'failed' }
        : // A failed manual try changes nothing of the schedule (a waiting delivery keeps waiting).
          { status: 'pending', retryInMs: null };
    await recordAttempt(this.pool, delivery.id, attemptResult('manual', sent, next));
    await this.recordEndpointHealth(endpoint, sent);
    return { ...sent, deliveryId: delivery.id };
  }

  /** Sends a `webhook.test` event to the endpoint now (enabled or not) and logs it as a delivery. */
  async sendTest(orgId: string, endpointId: string): Promise<ImmediateOutcome> {
    const owned = await findOrgEndpoint(this.pool, orgId, endpointId);
    const endpoint = owned && (await findSigningEndpoints(this.pool, [endpointId])).get(endpointId);
    if (!endpoint) throw new NotFoundError(`No webhook endpoint ${endpointId}`);
    const event = {
      id: randomUUID(),
      type: WEBHOOK_TEST_EVENT_TYPE,
      version: 1,
      aggregateType: 'webhook_endpoint',
      aggregateId: endpointId,
      occurredAt: this.now().toISOString(),
      sequence: '0',
      payload: { endpointId, message: 'A test event sent from the forgecast portal or API.' },
    };
    const body = Buffer.from(JSON.stringify(event));
    const deliveryId = newId();
    const sent = await this.post(endpoint, {
      id: deliveryId,
      eventId: event.id,
      eventType: event.type,
      body,
    });
    await insertAttemptedDelivery(
      this.pool,
      {
        endpointId,
        eventId: event.id,
        eventType: event.type,
        streamKey: `webhook_endpoint:${endpointId}`,
        sequence: '0',
        body,
      },
      { trigger: 'test', statusCode: sent.statusCode, latencyMs: sent.latencyMs, error: sent.error },
      sent.ok,
      deliveryId,
    );
    await this.recordEndpointHealth(endpoint, sent);
    return { ...sent, deliveryId };
  }

  /** Signs with every valid secret at this moment and posts. */
  private async post(
    endpoint: SigningEndpoint,
    delivery: { id: string; eventId: string; eventType: string; body: Buffer },
  ): Promise<SendOutcome> {
    const secrets = await Promise.all(endpoint.secrets.map((secret) => this.secrets.open(secret)));
    const timestamp = Math.floor(this.now().getTime() / 1000);
    return sendWebhook(
      endpoint.url,
      delivery.body,
      {
        [SIGNATURE_HEADER]: signatureHeader(secrets, timestamp, delivery.body),
        'Forgecast-Event-Id': delivery.eventId,
        'Forgecast-Event-Type': delivery.eventType,
        'Forgecast-Delivery-Id': delivery.id,
      },
      this.options.sender,
    );
  }

  private async recordEndpointHealth(endpoint: SigningEndpoint, sent: SendOutcome): Promise<boolean> {
    if (sent.ok) {
      // Most successes end no streak: skip the UPDATE then (it is one per delivery otherwise).
      if (endpoint.failing || this.failedSinceRead.has(endpoint.id)) {
        this.failedSinceRead.delete(endpoint.id);
        await recordEndpointSuccess(this.pool, endpoint.id);
      }
      return false;
    }
    this.failedSinceRead.add(endpoint.id);
    const disabled = await recordEndpointFailure(
      this.pool,
      endpoint.id,
      this.options.disableAfterMs,
      (failingSince) =>
        `Disabled after failing every delivery since ${failingSince.toISOString()} (last: ${sent.error ?? 'unknown'}). Fix the endpoint, then enable it again.`,
    );
    if (disabled) {
      log.warn('webhook endpoint disabled', { endpointId: endpoint.id, orgId: endpoint.orgId });
      await parkEndpointDeliveries(this.pool, endpoint.id);
    }
    return disabled;
  }
}

const attemptResult = (
  trigger: AttemptTrigger,
  sent: SendOutcome,
  next: AttemptResult['next'],
): AttemptResult => ({
  trigger,
  statusCode: sent.statusCode,
  latencyMs: sent.latencyMs,
  error: sent.error,
  next,
});
