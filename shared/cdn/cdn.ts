import { CdnApiError, type CdnApiFailure } from './cdn-api.ts';

/** Invalidates cached objects at the CDN by surrogate key (every object of a video carries one). */
export interface CdnPurger {
  /** `soft` marks the objects stale (revalidated on next use) instead of evicting them. */
  purgeSurrogateKey(key: string, options?: { soft?: boolean }): Promise<void>;
}

/** Why a purge failed: credentials, a request the CDN refused, or a CDN that did not answer properly. */
export type CdnPurgeFailure = CdnApiFailure;

export class CdnPurgeError extends CdnApiError {}

/** For deployments without a CDN (and the local cloud by default): nothing is cached, nothing to purge. */
export const noCdnPurger: CdnPurger = {
  async purgeSurrogateKey(key: string): Promise<void> {
    assertSurrogateKey(key);
  },
};

/** Within Fastly's limits (one space-free key of at most 1024 bytes), and plain visible ASCII. */
export function assertSurrogateKey(key: string): void {
  if (!/^[!-~]{1,1024}$/.test(key)) {
    throw new RangeError('a surrogate key is 1–1024 visible ASCII characters without spaces');
  }
}
