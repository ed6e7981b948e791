/**
 * Headers that go with every page and asset of the portal. The same policy is set at the CDN in
 * production (infra/fastly/forgecast.vcl), so what the local server enforces is what people get.
 */

/**
 * The Content-Security-Policy: scripts and styles only from this origin (no inline script, which
 * is why the build emits no inline module preload), the API on the same origin, uploads to object
 * storage (presigned PUTs go to its own origin), no plugins, no framing, no <base> tricks.
 */
export function contentSecurityPolicy(uploadOrigins: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src ${["'self'", ...uploadOrigins].join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(uploadOrigins: readonly string[]): Readonly<Record<string, string>> {
  return {
    'content-security-policy': contentSecurityPolicy(uploadOrigins),
    'x-content-type-options': 'nosniff',
    // the presigned upload URL and design ids in paths stay on this site
    'referrer-policy': 'same-origin',
    // browsers without frame-ancestors
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
}

/** Hashed files never change under their name; the page itself is revalidated on every load. */
export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
export const CACHE_REVALIDATE = 'no-cache';
