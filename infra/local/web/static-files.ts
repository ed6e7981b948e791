/**
 * Which file answers a path of the portal: the file itself when it exists, `index.html` for an
 * app address (the single-page app routes it; `shows.html` for the shows app's addresses), and nothing (404) for a missing asset, so a stale
 * chunk name fails loudly instead of being answered with HTML the browser cannot run.
 */
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

export const INDEX_FILE = 'index.html';
/** The shows app's page (issue 16): a second entry of the same build, on the same origin. */
export const SHOWS_APP_FILE = 'shows.html';
/**
 * The addresses the shows app routes (viewers, the door, the studio): `/shows`, `/tickets` and
 * `/studio` with anything under them, `/watch/…` and `/door/…`. Every other app address is the
 * portal's. infra/fastly/forgecast-portal.vcl has the same rule.
 */
const SHOWS_APP_PATH = /^\/(?:(?:shows|tickets|studio)(?:\/|$)|(?:watch|door)\/)/;

/** Which page answers an app address: the shows app's or the portal's. */
export function appFileFor(pathname: string): string {
  return SHOWS_APP_PATH.test(pathname) ? SHOWS_APP_FILE : INDEX_FILE;
}
/**
 * The shows app's public pages that the shows function renders with their content and meta tags
 * (issue 16): the catalogue and a show's page (a show id is a ULID). Their document is
 * `GET /v1/pages<path>` (link previews and crawlers read it without running scripts); every other
 * address of the app stays shows.html. infra/fastly/forgecast-portal.vcl has the same rule.
 */
const RENDERED_PAGE_PATH = /^\/shows(?:\/?|\/[0-9A-HJKMNP-TV-Z]{26})$/;

/** The API path (below `/v1`) that renders this address, or null for a static page. */
export function renderedPagePath(pathname: string): string | null {
  return RENDERED_PAGE_PATH.test(pathname) ? `/pages${pathname.replace(/\/$/, '')}` : null;
}
/** Vite's hashed output folder (scripts/build.ts WEB_ASSETS_DIR). */
export const ASSETS_PREFIX = '/assets/';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export type Resolution =
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly size: number;
      readonly mtimeMs: number;
      readonly hashed: boolean;
    }
  | { readonly kind: 'app'; readonly path: string; readonly size: number; readonly mtimeMs: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-built' };

/** A path names a file (not an app page) when its last segment has an extension, or it is an asset. */
export function looksLikeFile(pathname: string): boolean {
  if (pathname.startsWith(ASSETS_PREFIX)) return true;
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  return last.includes('.');
}

async function fileAt(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs } : null;
  } catch {
    return null;
  }
}

/**
 * Resolves a URL path (already without query) inside `root`. Paths that decode to something
 * outside the root (`..`, encoded slashes, NUL) resolve to nothing.
 */
export async function resolvePath(root: string, pathname: string): Promise<Resolution> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: 'missing' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'missing' };
  const relative = normalize(decoded).replace(/^[/\\]+/, '');
  const candidate = join(root, relative);
  const rootWithSep = root.endsWith(sep) ? root : `${root}${sep}`;
  if (candidate !== root && !candidate.startsWith(rootWithSep)) return { kind: 'missing' };

  if (relative !== '' && relative !== INDEX_FILE) {
    const found = await fileAt(candidate);
    if (found) return { kind: 'file', path: candidate, ...found, hashed: pathname.startsWith(ASSETS_PREFIX) };
    if (looksLikeFile(pathname)) return { kind: 'missing' };
  }
  const indexPath = join(root, appFileFor(pathname));
  const index = await fileAt(indexPath);
  if (!index) return { kind: 'not-built' };
  return { kind: 'app', path: indexPath, ...index };
}
