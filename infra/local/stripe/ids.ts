import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Stripe-looking id: `prefix` + random base62, e.g. `cs_test_a1B2…`, `pi_3Nq…`, `evt_1Ab…`. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += ALPHABET[byte % ALPHABET.length];
  return `${prefix}${text}`;
}

export const unixSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
