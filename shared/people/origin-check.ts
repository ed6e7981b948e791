/**
 * CSRF defence for cookie-authenticated calls. A browser attaches the session cookie to
 * requests other sites make (SameSite=Lax still sends it on top-level GET navigations), so a
 * write is accepted only when its `Origin` is the portal's. Reads (GET, HEAD) change nothing and
 * pass, unless they name a foreign origin, which no page of ours ever does.
 *
 * `method` is unknown on OCI (API Gateway has no context variable for it, so the authorizer
 * cannot receive it): a request without `Origin` is then accepted only when the browser says it
 * is same-origin (`Sec-Fetch-Site`), or when it is not a browser at all (no `Sec-Fetch-Site`:
 * nothing a third-party page can make a browser send without one). Browsers send `Origin` on
 * every cross-origin request and every POST, PUT, PATCH and DELETE.
 */
export interface CookieRequestFacts {
  readonly method: string | undefined;
  readonly origin: string | undefined;
  readonly secFetchSite: string | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function cookieRequestAllowed(facts: CookieRequestFacts, portalOrigin: string): boolean {
  const expected = new URL(portalOrigin).origin;
  if (facts.origin !== undefined && facts.origin !== '') return facts.origin === expected;
  if (facts.method !== undefined) return SAFE_METHODS.has(facts.method.toUpperCase());
  return facts.secFetchSite === undefined || facts.secFetchSite === 'same-origin';
}
