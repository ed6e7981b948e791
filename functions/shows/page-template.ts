/**
 * The built `shows.html` the public pages are rendered into, fetched from the portal itself
 * (`PORTAL_ORIGIN/shows.html`: the web bucket behind Fastly in production, the local web server
 * locally), so the page names the assets of the build that is deployed, whichever deploy came
 * last, and the function needs no access to the web bucket. Kept for `ttlMs`, then revalidated
 * with its ETag; while the portal does not answer, the last copy serves.
 */

import { log } from '#shared/base/log.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';

export interface PageTemplateOptions {
  /** `https://app.example.com/shows.html`. */
  readonly url: string;
  readonly ttlMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** The edge keeps shows.html a minute (forgecast-portal.vcl), so a shorter life gains nothing. */
const DEFAULT_TTL_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 3_000;
/** shows.html is ~1.5 KB; a page far larger is not ours. */
const MAX_TEMPLATE_BYTES = 256 * 1024;

export function pageTemplate(options: PageTemplateOptions): () => Promise<string> {
  const get = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  let kept: { body: string; etag: string | null; checkedAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const load = async (): Promise<string> => {
    try {
      const response = await get(options.url, {
        headers: kept?.etag ? { 'if-none-match': kept.etag } : {},
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        redirect: 'error',
      });
      if (response.status === 304 && kept) {
        kept = { ...kept, checkedAt: now() };
        return kept.body;
      }
      if (!response.ok) throw new Error(`the portal answered ${response.status}`);
      const body = await response.text();
      if (body.length > MAX_TEMPLATE_BYTES) throw new Error(`the page is ${body.length} characters`);
      kept = { body, etag: response.headers.get('etag'), checkedAt: now() };
      return body;
    } catch (error) {
      if (kept) {
        log.warn('shows.html not refreshed; the last copy serves', { error });
        kept = { ...kept, checkedAt: now() };
        return kept.body;
      }
      throw new DependencyUnavailableError('The shows page template could not be read', { cause: error });
    }
  };

  return () => {
    if (kept && now() - kept.checkedAt < ttlMs) return Promise.resolve(kept.body);
    // one fetch at a time: concurrent page renders share it
    pending ??= load().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
