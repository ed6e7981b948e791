import { assertSurrogateKey, CdnPurgeError, type CdnPurger } from './cdn.ts';

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

      let response: Response;
      let text: string;
      try {
        response = await fetch(servicePath + encodeURIComponent(key), {
          method: 'POST',
          headers,
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (cause) {
        throw new CdnPurgeError(`The CDN purge of ${key} got no answer`, {
          failure: 'unavailable',
          retryable: true,
          cause,
        });
      }
      judge(response.status, text, key);
    },
  };
}

function judge(status: number, body: string, key: string): void {
  if (status === 401 || status === 403) {
    throw new CdnPurgeError(`The CDN refused the purge credentials (HTTP ${status})`, {
      failure: 'auth',
      httpStatus: status,
      retryable: false,
    });
  }
  if (status === 429 || status >= 500) {
    throw new CdnPurgeError(`The CDN could not purge ${key} (HTTP ${status})`, {
      failure: 'unavailable',
      httpStatus: status,
      retryable: true,
    });
  }
  if (status < 200 || status > 299) {
    throw new CdnPurgeError(`The CDN rejected the purge of ${key} (HTTP ${status})`, {
      failure: 'rejected',
      httpStatus: status,
      retryable: false,
    });
  }
  if (!isOkBody(body)) {
    throw new CdnPurgeError(`The CDN answered the purge of ${key} without status "ok"`, {
      failure: 'unavailable',
      httpStatus: status,
      retryable: true,
    });
  }
}

function isOkBody(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && (parsed as { status?: unknown }).status === 'ok';
  } catch {
    return false;
  }
}
