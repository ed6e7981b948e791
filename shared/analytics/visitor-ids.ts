import { createHmac } from 'node:crypto';

/**
 * The person as analytics knows them: an HMAC-SHA256 of their id under a secret salt, so the
 * warehouse and GA4 can count a person across devices without holding their id (and the salt's
 * owner alone can link the two).
 */
export function analyticsUserIdHash(salt: string, userId: string): string {
  return createHmac('sha256', salt).update(userId, 'utf8').digest('hex');
}

/**
 * A GA4 client id for events the server reports for a person (a purchase seen in the payment
 * webhook has no browser): stable per person, derived from their hash, so GA4 counts one device.
 */
export function serverClientIdOf(userIdHash: string): string {
  return `srv.${userIdHash.slice(0, 32)}`;
}
