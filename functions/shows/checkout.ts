import { log } from '#shared/base/log.ts';
import type { DbPool } from '#shared/db/pool.ts';
import {
  ConflictError,
  DependencyUnavailableError,
  NotFoundError,
  UnprocessableError,
} from '#shared/errors.ts';
import { priceProblem } from '#shared/payments/currencies.ts';
import { type CheckoutSession, PaymentProviderError, type Payments } from '#shared/payments/payments.ts';
import type { Holder } from '#shared/shows/holder.ts';
import { holdStatus, markHoldHeld, releaseHold, reserveSeats } from '#shared/shows/seat-holds.ts';

export interface CheckoutDeps {
  readonly pool: DbPool;
  readonly payments: Payments;
  /** How long the buyer has to pay (CHECKOUT_HOLD_MINUTES). */
  readonly holdMinutes: number;
  /** Return URLs; `{SHOW_ID}` and `{HOLD_ID}` are filled in here, `{CHECKOUT_SESSION_ID}` by Stripe. */
  readonly successUrl: string;
  readonly cancelUrl: string;
}

export interface CheckoutRequest {
  readonly showId: string;
  /** A person (portal session) or an organisation (API key). */
  readonly buyer: Holder;
  readonly quantity: number;
  /** Return URLs for this order instead of the deployment's (people return to the shows app). */
  readonly returnUrls?: { readonly successUrl: string; readonly cancelUrl: string };
}

export interface CheckoutResult {
  readonly holdId: string;
  readonly sessionId: string;
  readonly checkoutUrl: string;
  /** When the Checkout Session stops taking payment. */
  readonly expiresAt: Date;
  readonly quantity: number;
  readonly amountTotal: number;
  readonly currency: string;
}

/**
 * Added to the session's lifetime so Stripe's 30-minute minimum still holds when the request
 * reaches Stripe a little later, or Stripe's clock runs a little ahead of the database's.
 */
export const SESSION_SLACK_SECONDS = 60;
/**
 * The hold outlives its session by this much, so a payment made in the session's last second
 * finds its seats still held; `checkout.session.expired` releases them earlier than this.
 */
export const HOLD_GRACE_SECONDS = 300;
const STRIPE_MAX_SESSION_SECONDS = 24 * 60 * 60;

export class SoldOutError extends ConflictError {
  constructor(showId: string, seatsAvailable: number) {
    super(`Show ${showId} has ${seatsAvailable} seat(s) left`, {
      extensions: { code: 'sold_out', seatsAvailable },
    });
  }
}

export class NotOnSaleError extends ConflictError {
  constructor(showId: string, reason: 'cancelled' | 'started') {
    super(`Show ${showId} is not on sale: it has ${reason === 'cancelled' ? 'been cancelled' : 'started'}`, {
      extensions: { code: 'not_on_sale', reason },
    });
  }
}

/** The show's price is in a currency or amount Stripe cannot charge; its creator must fix it. */
export class PriceNotChargeableError extends UnprocessableError {
  constructor(showId: string, reason: string) {
    super(`Show ${showId} cannot be sold: ${reason}`, { extensions: { code: 'price_not_chargeable' } });
  }
}

/** The seats were given back because no Checkout Session could be made; trying again may work. */
export class CheckoutUnavailableError extends DependencyUnavailableError {
  constructor(message: string, retryAfterSeconds: number, cause?: unknown) {
    super(message, { cause, extensions: { code: 'payment_provider_unavailable', retryAfterSeconds } });
  }
}

/**
 * Holds the seats (under the show lock, in their own transaction), then asks Stripe for a
 * Checkout Session keyed by the hold id. A session that cannot be made gives the seats back at
 * once; a hold whose answer is lost after Stripe made the session simply expires, and the
 * session still names its hold (client_reference_id, metadata.hold_id) for the webhook.
 */
export async function checkout(deps: CheckoutDeps, request: CheckoutRequest): Promise<CheckoutResult> {
  const sessionSeconds = Math.min(
    deps.holdMinutes * 60 + SESSION_SLACK_SECONDS,
    STRIPE_MAX_SESSION_SECONDS - SESSION_SLACK_SECONDS,
  );
  const reserved = await reserveSeats(deps.pool, {
    showId: request.showId,
    buyer: request.buyer,
    quantity: request.quantity,
    holdSeconds: sessionSeconds + HOLD_GRACE_SECONDS,
  });
  if (reserved.kind === 'not_found') throw new NotFoundError(`No show ${request.showId}`);
  if (reserved.kind === 'not_on_sale') throw new NotOnSaleError(request.showId, reserved.reason);
  if (reserved.kind === 'sold_out') throw new SoldOutError(request.showId, reserved.seatsAvailable);

  const { hold, show, now } = reserved;
  // Shows priced before currencies were checked may carry one Stripe cannot charge: say so now,
  // with the seats back, rather than as a payment-provider outage after Stripe refuses.
  const unchargeable = priceProblem(hold.unitAmount, hold.currency);
  if (unchargeable) {
    await releaseHold(deps.pool, hold.id, 'price cannot be charged');
    throw new PriceNotChargeableError(show.id, unchargeable);
  }
  const successUrl = request.returnUrls?.successUrl ?? deps.successUrl;
  const cancelUrl = request.returnUrls?.cancelUrl ?? deps.cancelUrl;
  const fill = (template: string) =>
    template
      .replaceAll('{SHOW_ID}', encodeURIComponent(show.id))
      .replaceAll('{HOLD_ID}', encodeURIComponent(hold.id));
  let session: CheckoutSession;
  try {
    session = await deps.payments.createCheckoutSession({
      holdId: hold.id,
      showId: show.id,
      title: show.title,
      unitAmount: hold.unitAmount,
      currency: hold.currency,
      quantity: hold.quantity,
      expiresAt: new Date(Math.floor(now.getTime() / 1000 + sessionSeconds) * 1000),
      successUrl: fill(successUrl),
      cancelUrl: fill(cancelUrl),
      idempotencyKey: hold.id,
    });
  } catch (error) {
    const code = error instanceof PaymentProviderError ? (error.stripeCode ?? 'unavailable') : 'error';
    await releaseHold(deps.pool, hold.id, `checkout session not created (${code})`);
    log.warn('checkout session not created; seats released', { holdId: hold.id, showId: show.id, error });
    const retryable = !(error instanceof PaymentProviderError) || error.retryable;
    throw new CheckoutUnavailableError(
      'Payments are unavailable right now; no seats are held',
      retryable ? 5 : 60,
      error,
    );
  }

  if (!(await markHoldHeld(deps.pool, hold.id, session.id))) {
    const status = await holdStatus(deps.pool, hold.id);
    if (status !== 'paid') {
      // The hold lapsed before Stripe answered: the session must not take a payment for it.
      await deps.payments.expireCheckoutSession(session.id).catch((error: unknown) => {
        log.warn('could not expire the session of a lapsed hold', { holdId: hold.id, error });
      });
      throw new CheckoutUnavailableError('The checkout took too long; no seats are held', 1);
    }
  }
  return {
    holdId: hold.id,
    sessionId: session.id,
    // Only a session already paid has no URL left; the buyer goes where Stripe would send them.
    checkoutUrl: session.url ?? fill(successUrl).replaceAll('{CHECKOUT_SESSION_ID}', session.id),
    expiresAt: session.expiresAt,
    quantity: hold.quantity,
    amountTotal: hold.amountTotal,
    currency: hold.currency,
  };
}

/**
 * Where Stripe sends a person back: the shows app's success page (which polls the order until
 * its tickets appear) and the show page, saying the checkout was cancelled. Both name the hold.
 */
export function personReturnUrls(portalOrigin: string): { successUrl: string; cancelUrl: string } {
  const origin = new URL(portalOrigin).origin;
  return {
    successUrl: `${origin}/shows/{SHOW_ID}/bought?hold={HOLD_ID}`,
    cancelUrl: `${origin}/shows/{SHOW_ID}?checkout=cancelled&hold={HOLD_ID}`,
  };
}
