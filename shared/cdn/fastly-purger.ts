import { assertSurrogateKey, CdnPurgeError, type CdnPurger } from './cdn.ts';
import { callCdnApi } from './cdn-api.ts';

export interface FastlyPurgerOptions {
  /** `https://api.fastly.com`, or the local edge that speaks the same API. */
  readonly apiBase: string;
  readonly serviceId: string;
  readonly apiToken: string;
  /** Per request; a purge that takes longer is reported as unavailable. Default 10 s. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Purges through Fastly's API: `POST /service/{id}/purge/{surrogate_key}` with the `Fastly-Key` header. */
export function createFastlyPurger(options: FastlyPurgerOptions): CdnPurger {
  const base = options.apiBase.replace(/\/+$/, '');
  const servicePath = `${base}/service/${encodeURIComponent(options.serviceId)}/purge/`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    async purgeSurrogateKey(key, purgeOptions) {
      assertSurrogateKey(key);
      const headers: Record<string, string> = {
        'Fastly-Key': options.apiToken,
        Accept: 'application/json',
      };
      if (purgeOptions?.soft) headers['Fastly-Soft-Purge'] = '1';

      await callCdnApi(
        servicePath + encodeURIComponent(key),
        { method: 'POST', headers, timeoutMs },
        {
          noAnswer: `The CDN purge of ${key} got no answer`,
          credentials: 'the purge credentials',
          unavailable: `The CDN could not purge ${key}`,
          rejected: `The CDN rejected the purge of ${key}`,
          notOk: `The CDN answered the purge of ${key} without status "ok"`,
        },
        CdnPurgeError,
      );
    },
  };
}
