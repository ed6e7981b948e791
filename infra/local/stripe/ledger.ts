import type { CheckoutSessionInput } from './checkout-params.ts';
import { stripeId, unixSeconds } from './ids.ts';
import { noSuch, StripeApiError } from './stripe-error.ts';

export type SessionStatus = 'open' | 'complete' | 'expired';
export type SessionPaymentStatus = 'paid' | 'unpaid' | 'no_payment_required';

export interface CheckoutSessionObject {
  readonly id: string;
  readonly object: 'checkout.session';
  readonly amount_subtotal: number;
  readonly amount_total: number;
  readonly cancel_url: string | null;
  readonly client_reference_id: string | null;
  readonly created: number;
  readonly currency: string;
  readonly customer: null;
  readonly customer_details: { email: string | null } | null;
  readonly customer_email: string | null;
  readonly expires_at: number;
  readonly livemode: false;
  readonly metadata: Record<string, string>;
  readonly mode: 'payment';
  readonly payment_intent: string | null;
  readonly payment_method_types: string[];
  readonly payment_status: SessionPaymentStatus;
  readonly status: SessionStatus;
  readonly success_url: string;
  readonly ui_mode: 'hosted';
  readonly url: string | null;
}

export interface RefundObject {
  readonly id: string;
  readonly object: 'refund';
  readonly amount: number;
  readonly balance_transaction: null;
  readonly charge: string;
  readonly created: number;
  readonly currency: string;
  readonly metadata: Record<string, string>;
  readonly payment_intent: string;
  readonly reason: string | null;
  readonly receipt_number: null;
  readonly status: 'succeeded';
}

export interface StripeEventObject {
  readonly id: string;
  readonly object: 'event';
  readonly api_version: string | null;
  readonly created: number;
  readonly data: { readonly object: unknown; readonly previous_attributes?: Record<string, unknown> };
  readonly livemode: false;
  readonly pending_webhooks: number;
  readonly request: { readonly id: string | null; readonly idempotency_key: string | null };
  readonly type: string;
}

export interface PaymentIntentView {
  readonly id: string;
  readonly object: 'payment_intent';
  readonly amount: number;
  readonly amount_received: number;
  readonly currency: string;
  readonly latest_charge: string | null;
  readonly metadata: Record<string, string>;
  readonly status: string;
}

interface SessionRecord {
  readonly input: CheckoutSessionInput;
  readonly id: string;
  readonly created: number;
  readonly expiresAt: number;
  readonly apiVersion: string | null;
  status: SessionStatus;
  paymentStatus: SessionPaymentStatus;
  paymentIntentId: string | null;
}

interface PaymentIntentRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly amount: number;
  readonly currency: string;
  readonly metadata: Record<string, string>;
  status: 'processing' | 'succeeded' | 'requires_payment_method';
  chargeId: string | null;
  chargeCreated: number;
  amountRefunded: number;
  disputed: boolean;
}

/** Where an API request came from, for the `request` member of the events it causes. */
export interface RequestOrigin {
  readonly requestId: string | null;
  readonly idempotencyKey: string | null;
}

const NO_REQUEST: RequestOrigin = { requestId: null, idempotencyKey: null };
const DEFAULT_EXPIRY_SECONDS = 24 * 60 * 60;

/**
 * The local Stripe account's state: Checkout Sessions, the PaymentIntents and charges behind
 * them, refunds and disputes, and every event those changes caused (in order). Synchronous, so
 * one request's check-then-change can never interleave with another's.
 */
export class StripeLedger {
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #intents = new Map<string, PaymentIntentRecord>();
  readonly #refunds: RefundObject[] = [];
  readonly #events: StripeEventObject[] = [];
  /** Events not yet handed to the webhook sender. */
  #undelivered: StripeEventObject[] = [];
  readonly #checkoutBaseUrl: string;
  readonly #clock: () => Date;
  readonly #apiVersion: string | null;

  constructor(options: { checkoutBaseUrl: string; clock: () => Date; apiVersion?: string | null }) {
    this.#checkoutBaseUrl = options.checkoutBaseUrl.replace(/\/+$/, '');
    this.#clock = options.clock;
    this.#apiVersion = options.apiVersion ?? null;
  }

  now(): number {
    return unixSeconds(this.#clock());
  }

  createSession(input: CheckoutSessionInput, apiVersion: string | null): CheckoutSessionObject {
    const created = this.now();
    const record: SessionRecord = {
      input,
      id: stripeId('cs_test_', 58),
      created,
      expiresAt: input.expiresAt ?? created + DEFAULT_EXPIRY_SECONDS,
      apiVersion,
      status: 'open',
      paymentStatus: input.amountTotal === 0 ? 'no_payment_required' : 'unpaid',
      paymentIntentId: null,
    };
    this.#sessions.set(record.id, record);
    return this.#present(record);
  }

  retrieveSession(id: string): CheckoutSessionObject {
    const session = this.#session(id);
    this.#expireIfDue(session);
    return this.#present(session);
  }

  /** Sessions past `expires_at` become expired, as Stripe does on its own. */
  expireDue(): void {
    for (const session of this.#sessions.values()) this.#expireIfDue(session);
  }

  expireSession(id: string, origin: RequestOrigin = NO_REQUEST): StripeEventObject {
    const session = this.#session(id);
    this.#expireIfDue(session);
    if (session.status !== 'open') {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
        { saved: true },
      );
    }
    return this.#expire(session, origin);
  }

  /** The customer pays (or, with `paid: false`, starts a delayed payment method such as a bank debit). */
  completeSession(id: string, paid: boolean): StripeEventObject {
    const session = this.#session(id);
    this.#expireIfDue(session);
    if (session.status !== 'open') {
      throw new StripeApiError(400, 'invalid_request_error', `Checkout Session ${id} is ${session.status}`);
    }
    const intent: PaymentIntentRecord = {
      id: stripeId('pi_'),
      sessionId: session.id,
      amount: session.input.amountTotal,
      currency: session.input.currency,
      metadata: { ...session.input.paymentIntentMetadata },
      status: paid ? 'succeeded' : 'processing',
      chargeId: paid ? stripeId('ch_') : null,
      chargeCreated: this.now(),
      amountRefunded: 0,
      disputed: false,
    };
    this.#intents.set(intent.id, intent);
    session.status = 'complete';
    session.paymentStatus = paid ? 'paid' : 'unpaid';
    session.paymentIntentId = intent.id;
    return this.#emit('checkout.session.completed', this.#present(session), session.apiVersion, NO_REQUEST);
  }

  /** A delayed payment method settles: the session's async_payment_succeeded or _failed event. */
  settleAsyncPayment(id: string, succeeded: boolean): StripeEventObject {
    const session = this.#session(id);
    const intent = session.paymentIntentId ? this.#intents.get(session.paymentIntentId) : undefined;
    if (
      session.status !== 'complete' ||
      session.paymentStatus !== 'unpaid' ||
      intent?.status !== 'processing'
    ) {
      throw new StripeApiError(400, 'invalid_request_error', `Checkout Session ${id} has no pending payment`);
    }
    if (succeeded) {
      intent.status = 'succeeded';
      intent.chargeId = stripeId('ch_');
      intent.chargeCreated = this.now();
      session.paymentStatus = 'paid';
    } else {
      intent.status = 'requires_payment_method';
    }
    const type = succeeded
      ? 'checkout.session.async_payment_succeeded'
      : 'checkout.session.async_payment_failed';
    return this.#emit(type, this.#present(session), session.apiVersion, NO_REQUEST);
  }

  refund(
    request: {
      paymentIntentId: string;
      amount?: number;
      reason: string | null;
      metadata: Record<string, string>;
    },
    origin: RequestOrigin,
  ): { refund: RefundObject; event: StripeEventObject } {
    const intent = this.#intents.get(request.paymentIntentId);
    if (!intent) throw noSuch('payment_intent', request.paymentIntentId, 'payment_intent', 400);
    if (intent.status !== 'succeeded' || intent.chargeId === null) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
        { code: 'charge_not_refundable', param: 'payment_intent', saved: true },
      );
    }
    const remaining = intent.amount - intent.amountRefunded;
    if (remaining === 0) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Charge ${intent.chargeId} has already been refunded.`,
        {
          code: 'charge_already_refunded',
          saved: true,
        },
      );
    }
    const amount = request.amount ?? remaining;
    if (amount > remaining) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        { code: 'amount_too_large', param: 'amount', saved: true },
      );
    }
    const before = { amount_refunded: intent.amountRefunded, refunded: false };
    intent.amountRefunded += amount;
    const refund: RefundObject = {
      id: stripeId('re_'),
      object: 'refund',
      amount,
      balance_transaction: null,
      charge: intent.chargeId,
      created: this.now(),
      currency: intent.currency,
      metadata: request.metadata,
      payment_intent: intent.id,
      reason: request.reason,
      receipt_number: null,
      status: 'succeeded',
    };
    this.#refunds.push(refund);
    const event = this.#emit(
      'charge.refunded',
      this.#charge(intent),
      this.#versionOf(intent),
      origin,
      before,
    );
    return { refund, event };
  }

  /** The cardholder disputes the charge behind `paymentIntentId`. */
  dispute(paymentIntentId: string, reason = 'fraudulent'): StripeEventObject {
    const intent = this.#intents.get(paymentIntentId);
    if (!intent || intent.chargeId === null)
      throw noSuch('payment_intent', paymentIntentId, 'payment_intent');
    intent.disputed = true;
    const dispute = {
      id: stripeId('dp_'),
      object: 'dispute',
      amount: intent.amount,
      charge: intent.chargeId,
      created: this.now(),
      currency: intent.currency,
      livemode: false,
      metadata: {},
      payment_intent: intent.id,
      reason,
      status: 'needs_response',
    };
    return this.#emit('charge.dispute.created', dispute, this.#versionOf(intent), NO_REQUEST);
  }

  /** Every event emitted since the last call, oldest first (including expiries found on the way). */
  takeUndelivered(): StripeEventObject[] {
    const events = this.#undelivered;
    this.#undelivered = [];
    return events;
  }

  sessions(): CheckoutSessionObject[] {
    return [...this.#sessions.values()].map((session) => this.#present(session));
  }

  paymentIntent(id: string): PaymentIntentView | undefined {
    const intent = this.#intents.get(id);
    if (!intent) return undefined;
    return {
      id: intent.id,
      object: 'payment_intent',
      amount: intent.amount,
      amount_received: intent.status === 'succeeded' ? intent.amount : 0,
      currency: intent.currency,
      latest_charge: intent.chargeId,
      metadata: { ...intent.metadata },
      status: intent.status,
    };
  }

  refundsFor(paymentIntentId: string): RefundObject[] {
    return this.#refunds.filter((refund) => refund.payment_intent === paymentIntentId);
  }

  events(): StripeEventObject[] {
    return [...this.#events];
  }

  event(id: string): StripeEventObject | undefined {
    return this.#events.find((event) => event.id === id);
  }

  #session(id: string): SessionRecord {
    const session = this.#sessions.get(id);
    if (!session) throw noSuch('checkout.session', id, 'session');
    return session;
  }

  #expireIfDue(session: SessionRecord): void {
    if (session.status === 'open' && session.expiresAt <= this.now()) this.#expire(session, NO_REQUEST);
  }

  #expire(session: SessionRecord, origin: RequestOrigin): StripeEventObject {
    session.status = 'expired';
    return this.#emit('checkout.session.expired', this.#present(session), session.apiVersion, origin);
  }

  #versionOf(intent: PaymentIntentRecord): string | null {
    return this.#sessions.get(intent.sessionId)?.apiVersion ?? null;
  }

  #emit(
    type: string,
    object: unknown,
    apiVersion: string | null,
    origin: RequestOrigin,
    previousAttributes?: Record<string, unknown>,
  ): StripeEventObject {
    const event: StripeEventObject = {
      id: stripeId('evt_'),
      object: 'event',
      api_version: this.#apiVersion ?? apiVersion,
      created: this.now(),
      data: { object, ...(previousAttributes ? { previous_attributes: previousAttributes } : {}) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: origin.requestId, idempotency_key: origin.idempotencyKey },
      type,
    };
    this.#events.push(event);
    this.#undelivered.push(event);
    return event;
  }

  #present(session: SessionRecord): CheckoutSessionObject {
    const { input } = session;
    return {
      id: session.id,
      object: 'checkout.session',
      amount_subtotal: input.amountTotal,
      amount_total: input.amountTotal,
      cancel_url: input.cancelUrl,
      client_reference_id: input.clientReferenceId,
      created: session.created,
      currency: input.currency,
      customer: null,
      customer_details:
        session.status === 'complete' ? { email: input.customerEmail ?? 'buyer@example.test' } : null,
      customer_email: input.customerEmail,
      expires_at: session.expiresAt,
      livemode: false,
      metadata: { ...input.metadata },
      mode: 'payment',
      payment_intent: session.paymentIntentId,
      payment_method_types: ['card'],
      payment_status: session.paymentStatus,
      status: session.status,
      success_url: input.successUrl,
      ui_mode: 'hosted',
      url: session.status === 'open' ? `${this.#checkoutBaseUrl}/c/pay/${session.id}` : null,
    };
  }

  #charge(intent: PaymentIntentRecord): Record<string, unknown> {
    return {
      id: intent.chargeId,
      object: 'charge',
      amount: intent.amount,
      amount_captured: intent.amount,
      amount_refunded: intent.amountRefunded,
      captured: true,
      created: intent.chargeCreated,
      currency: intent.currency,
      disputed: intent.disputed,
      livemode: false,
      metadata: {},
      paid: true,
      payment_intent: intent.id,
      refunded: intent.amountRefunded === intent.amount,
      status: 'succeeded',
    };
  }
}
