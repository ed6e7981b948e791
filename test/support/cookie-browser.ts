/**
 * A browser without a page: fetch with a cookie jar that follows redirects one at a time, as a
 * browser would, so a test can drive a sign-in through the real provider's forms. Cookies are
 * kept per host, not per port (as browsers do), honouring Path and Max-Age=0.
 */
export interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  /** The Set-Cookie line as received, for tests of its attributes. */
  readonly raw: string;
}

export class CookieBrowser {
  private readonly jar = new Map<string, Map<string, StoredCookie>>();
  readonly headers: Record<string, string>;

  constructor(headers: Record<string, string> = {}) {
    this.headers = headers;
  }

  cookie(url: string, name: string): StoredCookie | undefined {
    return this.jar.get(new URL(url).hostname)?.get(name);
  }

  /** Replaces a cookie, as a tampering or stale browser would. */
  setCookie(url: string, name: string, value: string): void {
    const host = new URL(url).hostname;
    const cookies = this.jar.get(host) ?? new Map<string, StoredCookie>();
    cookies.set(name, { name, value, path: '/', raw: `${name}=${value}` });
    this.jar.set(host, cookies);
  }

  cookieHeader(url: string): string | undefined {
    const target = new URL(url);
    const cookies = [...(this.jar.get(target.hostname)?.values() ?? [])].filter((cookie) =>
      target.pathname.startsWith(cookie.path),
    );
    return cookies.length > 0
      ? cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')
      : undefined;
  }

  /** One request, no redirect followed; cookies sent and stored. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(this.headers))
      if (!headers.has(name)) headers.set(name, value);
    const cookie = this.cookieHeader(url);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(url, response.headers.getSetCookie());
    return response;
  }

  /**
   * Follows redirects (GET after 302/303) until an answer that is not a redirect, or until
   * `stopAt` says a location is where the test wants to look (returned unfollowed).
   */
  async follow(
    url: string,
    init: RequestInit = {},
    stopAt: (location: URL) => boolean = () => false,
  ): Promise<{ response: Response; url: string }> {
    let current = url;
    let response = await this.fetch(current, init);
    for (let hop = 0; hop < 20; hop++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      const next = new URL(location, current);
      if (stopAt(next)) return { response, url: current };
      await response.arrayBuffer();
      current = next.toString();
      response = await this.fetch(current);
    }
    throw new Error(`more than 20 redirects from ${url}`);
  }

  private store(url: string, setCookies: readonly string[]): void {
    const host = new URL(url).hostname;
    const cookies = this.jar.get(host) ?? new Map<string, StoredCookie>();
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attribute = (key: string) =>
        attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const maxAge = attribute('max-age');
      const expires = attribute('expires');
      const gone =
        (maxAge !== undefined && Number(maxAge) <= 0) ||
        (expires !== undefined && Date.parse(expires) < Date.now());
      if (gone) cookies.delete(name);
      else cookies.set(name, { name, value, path: attribute('path') ?? '/', raw: line });
    }
    this.jar.set(host, cookies);
  }
}

/** The action of the first form in an HTML page. */
export function formAction(html: string, pageUrl: string): string {
  const match = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no form on ${pageUrl}`);
  return new URL(match[1].replaceAll('&amp;', '&'), pageUrl).toString();
}
