import { DependencyUnavailableError } from '../errors.ts';

/**
 * Payments port (Stripe). Production: the `stripe` package against api.stripe.com; locally and in
 * tests: the same package pointed at infra/local/stripe, a server that speaks Stripe's wire format.
 */
export interface CheckoutSessionRequest {
  /** Our seat hold id: Stripe's client_reference_id and metadata.hold_id. */
  readonly holdId: string;
  readonly showId: string;
  readonly title: string;
  readonly unitAmount: number;
  readonly currency: string;
  readonly quantity: number;
  /** 30 minutes to 24 hours ahead (Stripe's bounds). */
  readonly expiresAt: Date;
  readonly successUrl: string;
  readonly cancelUrl: string;
  /** Stripe Idempotency-Key: a retried create returns the same session. */
  readonly idempotencyKey: string;
}

export interface CheckoutSession {
  readonly id: string;
  readonly url: string | null;
  readonly status: 'open' | 'complete' | 'expired';
  readonly paymentStatus: 'paid' | 'unpaid' | 'no_payment_required';
  readonly paymentIntentId: string | null;
  readonly amountTotal: number | null;
  readonly currency: string | null;
  readonly expiresAt: Date;
  readonly holdId: string | null;
}

export interface RefundRequest {
  readonly paymentIntentId: string;
  readonly reason: 'duplicate' | 'fraudulent' | 'requested_by_customer';
  readonly metadata: Readonly<Record<string, string>>;
  readonly idempotencyKey: string;
}

export interface Payments {
  createCheckoutSession(request: CheckoutSessionRequest): Promise<CheckoutSession>;
  retrieveCheckoutSession(id: string): Promise<CheckoutSession>;
  /** Expires an open session so it can no longer be paid (a hold released early). */
  expireCheckoutSession(id: string): Promise<CheckoutSession>;
  createRefund(request: RefundRequest): Promise<{ id: string; status: string }>;
}

/** Stripe refused or could not be reached; `retryable` says whether trying again can help. */
export class PaymentProviderError extends DependencyUnavailableError {
  readonly retryable: boolean;
  readonly stripeCode: string | undefined;
  constructor(message: string, details: { retryable: boolean; stripeCode?: string; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.retryable = details.retryable;
    this.stripeCode = details.stripeCode;
  }
}
