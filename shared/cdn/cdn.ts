import { DependencyUnavailableError } from '../errors.ts';

/** Invalidates cached objects at the CDN by surrogate key (every object of a video carries one). */
export interface CdnPurger {
  /** `soft` marks the objects stale (revalidated on next use) instead of evicting them. */
  purgeSurrogateKey(key: string, options?: { soft?: boolean }): Promise<void>;
}

/** Why a purge failed: credentials, a request the CDN refused, or a CDN that did not answer properly. */
export type CdnPurgeFailure = 'auth' | 'rejected' | 'unavailable';

export class CdnPurgeError extends DependencyUnavailableError {
  readonly failure: CdnPurgeFailure;
  /** HTTP status from the CDN's API; undefined when no answer came (network, timeout). */
  readonly httpStatus: number | undefined;
  /** Worth trying again later (server errors, throttling, network); auth and refusals are not. */
  readonly retryable: boolean;
  constructor(
    message: string,
    details: { failure: CdnPurgeFailure; httpStatus?: number; retryable: boolean; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.failure = details.failure;
    this.httpStatus = details.httpStatus;
    this.retryable = details.retryable;
  }
}

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
