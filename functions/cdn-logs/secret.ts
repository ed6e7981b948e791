import { createHash, timingSafeEqual } from 'node:crypto';

export const LOG_SECRET_HEADER = 'x-log-secret';

/**
 * Compares digests rather than the strings, so neither the length nor the content of a secret
 * shows in the time taken; every configured secret is tried.
 */
export function isLogSecret(presented: string | undefined, secrets: readonly string[]): boolean {
  if (presented === undefined || presented === '') return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const presentedDigest = digest(presented);
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(digest(secret), presentedDigest)) matched = true;
  }
  return matched;
}
