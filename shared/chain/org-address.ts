import { createHash } from 'node:crypto';

/**
 * The address that stands for an organisation on chain (design creator, license holder). Orgs
 * hold no keys — the platform acts for them — so this is a stable pseudonym derived from the id,
 * not an account anyone can sign for.
 */
export function orgChainAddress(orgId: string): string {
  return `0x${createHash('sha256').update(`forgecast:org:${orgId}`).digest('hex').slice(-40)}`;
}
