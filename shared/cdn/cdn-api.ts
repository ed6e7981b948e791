import { DependencyUnavailableError } from '../errors.ts';

/** Why a call to the CDN's API failed: credentials, a request it refused, or no proper answer. */
export type CdnApiFailure = 'auth' | 'rejected' | 'unavailable';

export class CdnApiError extends DependencyUnavailableError {
  readonly failure: CdnApiFailure;
  /** HTTP status from the CDN's API; undefined when no answer came (network, timeout). */
  readonly httpStatus: number | undefined;
  /** Worth trying again later (server errors, throttling, network); auth and refusals are not. */
  readonly retryable: boolean;
  constructor(
    message: string,
    details: { failure: CdnApiFailure; httpStatus?: number; retryable: boolean; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.failure = details.failure;
    this.httpStatus = details.httpStatus;
    this.retryable = details.retryable;
  }
}

/** How one kind of call words its failures (the HTTP status is appended where one came). */
export interface CdnApiWording {
  /** e.g. `The CDN purge of k got no answer` */
  readonly noAnswer: string;
  /** What the refused credentials were for, e.g. `the purge credentials` */
  readonly credentials: string;
  /** e.g. `The CDN could not purge k` */
  readonly unavailable: string;
  /** e.g. `The CDN rejected the purge of k` */
  readonly rejected: string;
  /** e.g. `The CDN answered the purge of k without status "ok"` */
  readonly notOk: string;
}

/**
 * One request to Fastly's API (or the local edge that speaks it), which answers `{"status":"ok"}`
 * on success. Anything else throws an `ErrorClass` that says whether trying again may help.
 */
export async function callCdnApi(
  url: string,
  init: RequestInit & { readonly timeoutMs: number },
  wording: CdnApiWording,
  ErrorClass: new (message: string, details: ConstructorParameters<typeof CdnApiError>[1]) => CdnApiError,
): Promise<void> {
  const { timeoutMs, ...request } = init;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...request, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (cause) {
    throw new ErrorClass(wording.noAnswer, { failure: 'unavailable', retryable: true, cause });
  }
  const status = response.status;
  if (status === 401 || status === 403) {
    throw new ErrorClass(`The CDN refused ${wording.credentials} (HTTP ${status})`, {
      failure: 'auth',
      httpStatus: status,
      retryable: false,
    });
  }
  if (status === 429 || status >= 500) {
    throw new ErrorClass(`${wording.unavailable} (HTTP ${status})`, {
      failure: 'unavailable',
      httpStatus: status,
      retryable: true,
    });
  }
  if (status < 200 || status > 299) {
    throw new ErrorClass(`${wording.rejected} (HTTP ${status})`, {
      failure: 'rejected',
      httpStatus: status,
      retryable: false,
    });
  }
  if (!isOkBody(text)) {
    throw new ErrorClass(wording.notOk, { failure: 'unavailable', httpStatus: status, retryable: true });
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
