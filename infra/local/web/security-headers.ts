/**
 * Headers that go with every page and asset of the portal. The same policy is set at the CDN in
 * production (infra/fastly/forgecast.vcl), so what the local server enforces is what people get.
 */

/**
 * The Content-Security-Policy: scripts and styles only from this origin (no inline script, which
 * is why the build emits no inline module preload), the API on the same origin, uploads to object
 * storage (presigned PUTs go to its own origin), no plugins, no framing, no <base> tricks.
 */
export function contentSecurityPolicy(uploadOrigins: readonly string[], more: ExtraOrigins = {}): string {
  const media = more.mediaOrigins ?? [];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src ${["'self'", ...uploadOrigins, ...media, ...(more.connectOrigins ?? [])].join(' ')}`,
    // the watch page: hls.js feeds the <video> through a MediaSource (blob:), Safari plays the
    // edge's HLS URL itself
    `media-src ${["'self'", 'blob:', ...media].join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Origins besides object storage the pages reach: the CDN edge that serves HLS to the watch page
 * (playlists and segments are fetched by hls.js, or played by the browser itself), and the chat
 * server's WebSocket origin.
 */
export interface ExtraOrigins {
  readonly mediaOrigins?: readonly string[];
  readonly connectOrigins?: readonly string[];
}

export function securityHeaders(
  uploadOrigins: readonly string[],
  more: ExtraOrigins = {},
): Readonly<Record<string, string>> {
  return {
    'content-security-policy': contentSecurityPolicy(uploadOrigins, more),
    'x-content-type-options': 'nosniff',
    // the presigned upload URL and design ids in paths stay on this site
    'referrer-policy': 'same-origin',
    // browsers without frame-ancestors
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    // this origin only: the door page reads ticket QR codes with the camera, the studio goes live
    // from the camera and microphone (WHIP)
    'permissions-policy': 'camera=(self), microphone=(self), geolocation=(), payment=()',
  };
}

/** Hashed files never change under their name; the page itself is revalidated on every load. */
export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
export const CACHE_REVALIDATE = 'no-cache';
