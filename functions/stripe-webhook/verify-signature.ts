import Stripe from 'stripe';
import { AppError } from '../../shared/errors.ts';

export class StripeSignatureMissingError extends AppError {
  readonly status = 400;
  readonly slug = 'stripe-signature-missing';
  readonly title = 'Stripe-Signature header missing';
}

export class StripeSignatureInvalidError extends AppError {
  readonly status = 400;
  readonly slug = 'stripe-signature-invalid';
  readonly title = 'Stripe-Signature does not match the body';
}

export class StripeSignatureStaleError extends AppError {
  readonly status = 400;
  readonly slug = 'stripe-signature-stale';
  readonly title = 'Stripe-Signature timestamp is too old';
}

export interface SignatureVerifier {
  /** Throws one of the errors above unless a configured secret signed these exact bytes recently. */
  verify(rawBody: Buffer, header: string | undefined, nowMs?: number): void;
}

/**
 * Verifies with the `stripe` package against each configured secret in turn, so a secret being
 * rolled (Stripe signs with old and new for a while) and its successor are both accepted. The
 * signature is matched first and the age checked after, so a stale delivery is told apart from
 * a forged one.
 */
export function signatureVerifier(secrets: readonly string[], toleranceSeconds: number): SignatureVerifier {
  if (secrets.length === 0) throw new Error('at least one webhook signing secret is required');
  return {
    verify(rawBody, header, nowMs = Date.now()) {
      if (!header)
        throw new StripeSignatureMissingError('Send the Stripe-Signature header Stripe signs with');
      const timestamp = timestampOf(header);
      if (timestamp === undefined) throw new StripeSignatureInvalidError('Stripe-Signature has no timestamp');
      const signedBy = secrets.find((secret) => matches(rawBody, header, secret));
      if (!signedBy)
        throw new StripeSignatureInvalidError('No signature matches the body with a configured secret');
      const ageSeconds = Math.floor(nowMs / 1000) - timestamp;
      if (ageSeconds > toleranceSeconds) {
        throw new StripeSignatureStaleError(
          `Signed ${ageSeconds} s ago; deliveries older than ${toleranceSeconds} s are refused`,
        );
      }
    },
  };
}

function matches(rawBody: Buffer, header: string, secret: string): boolean {
  try {
    // Tolerance 0 skips the age check here; it is applied above with its own answer.
    return Stripe.webhooks.signature?.verifyHeader(rawBody, header, secret, 0) === true;
  } catch {
    return false;
  }
}

function timestampOf(header: string): number | undefined {
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2);
    if (key?.trim() === 't' && value && /^\d{1,12}$/.test(value.trim())) return Number(value.trim());
  }
  return undefined;
}
