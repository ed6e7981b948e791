/**
 * The edge token in a playback URL (`…/t/<token>/videos/<asset>/…`, shared/cdn/edge-token.ts).
 * Renewing a playback URL during a long show changes only the token: the player keeps its
 * playlists and buffer and sends every following request with the new token, so playback never
 * restarts. Pure, for Node unit tests.
 */
const TOKEN_SEGMENT = /\/t\/([^/]+)\//;

export function tokenOf(url: string): string | null {
  return TOKEN_SEGMENT.exec(url)?.[1] ?? null;
}

/** `url` with its token replaced by `token` (unchanged when it carries none or `token` is null). */
export function withToken(url: string, token: string | null): string {
  if (token === null || !TOKEN_SEGMENT.test(url)) return url;
  return url.replace(TOKEN_SEGMENT, `/t/${token}/`);
}

/** Whether two playback URLs name the same stream (differing at most in the token). */
export function sameStream(a: string, b: string): boolean {
  return withToken(a, 'x') === withToken(b, 'x');
}

/**
 * Every renewal is also the ticket check: a player that holds the whole (short) video in its
 * buffer asks the edge for nothing more, so a refund would never reach it through a refused
 * segment. Asking at least this often ends a refunded viewer's playback within the documented
 * 60 s; it costs one small POST per viewer per 30 s.
 */
export const TICKET_CHECK_MS = 30_000;

/**
 * When to ask for a new URL: halfway through the current one's life, and at least 5 s before it
 * ends, so a slow answer or one retry still lands before the edge refuses the old token; and no
 * later than TICKET_CHECK_MS.
 */
export function renewDelayMs(expiresAt: string, now = Date.now()): number {
  const left = Date.parse(expiresAt) - now;
  if (!Number.isFinite(left)) return TICKET_CHECK_MS;
  return Math.max(1_000, Math.min(left / 2, left - 5_000, TICKET_CHECK_MS));
}
