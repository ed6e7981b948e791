/**
 * The portal's JavaScript weight: what a first visit downloads before the app runs (the entry
 * script of index.html and every chunk it imports statically), gzip-compressed as the CDN sends
 * it, against the 25 KB target of issue 14; and the largest chunk loaded later (a page).
 *
 * `npm run bench web-size` (or `node bench/web-size.ts [dist/web]`) measures the built app.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Issue 14: initial JavaScript ≤ 25 KB gzip (KB = 1024 bytes). */
export const INITIAL_JS_TARGET_BYTES = 25 * 1024;

export interface WebSize {
  /** Files of the initial load, relative to the build folder. */
  readonly initialFiles: readonly string[];
  readonly initialJsGzipBytes: number;
  readonly targetBytes: number;
  readonly withinTarget: boolean;
  /** The largest chunk not in the initial load (a lazily loaded page or what pages share). */
  readonly largestLazyChunk: { readonly file: string; readonly gzipBytes: number } | null;
  readonly lazyChunks: number;
}

const gzipBytes = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;

/** Static imports of an ES module (`import … from "./x.js"`, `import "./x.js"`, `export … from`), not `import()`. */
export function staticImports(source: string): string[] {
  const found = new Set<string>();
  for (const match of source.matchAll(
    /(?:^|[;\s}])(?:import|export)\s*(?:[^"'();]*?\bfrom\s*)?["']([^"']+\.js)["']/g,
  )) {
    if (match[1]) found.add(match[1]);
  }
  return [...found];
}

/** The entry scripts of index.html (`<script type="module" src>` and `<link rel="modulepreload">`). */
export function entryScripts(html: string): string[] {
  const sources = [...html.matchAll(/<script[^>]*\btype="module"[^>]*\bsrc="([^"]+)"/g)].map(
    (m) => m[1] ?? '',
  );
  const preloads = [...html.matchAll(/<link[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)].map(
    (m) => m[1] ?? '',
  );
  return [...sources, ...preloads].filter(Boolean).map((path) => path.replace(/^\//, ''));
}

/** `files` and every module they import statically, with their gzip size together. */
async function staticClosure(
  dir: string,
  files: readonly string[],
): Promise<{ files: Set<string>; gzipBytes: number }> {
  const found = new Set<string>();
  const queue = [...files];
  let total = 0;
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (found.has(file)) continue;
    found.add(file);
    const bytes = await readFile(join(dir, file));
    total += gzipBytes(bytes);
    for (const imported of staticImports(bytes.toString('utf8'))) {
      queue.push(posix.normalize(posix.join(posix.dirname(file), imported)));
    }
  }
  return { files: found, gzipBytes: total };
}

/** The page's initial JavaScript: its entry scripts and their static imports. */
async function initialLoad(dir: string, page: string): Promise<{ files: Set<string>; gzipBytes: number }> {
  return staticClosure(dir, entryScripts(await readFile(join(dir, page), 'utf8')));
}

export async function measureWebSize(dir: string, page = 'index.html'): Promise<WebSize> {
  const { files: initial, gzipBytes: initialJsGzipBytes } = await initialLoad(dir, page);
  const assets = (await readdir(join(dir, 'assets'))).filter((name) => name.endsWith('.js'));
  let largest: { file: string; gzipBytes: number } | null = null;
  let lazyChunks = 0;
  for (const name of assets) {
    const file = `assets/${name}`;
    if (initial.has(file)) continue;
    lazyChunks += 1;
    const size = gzipBytes(await readFile(join(dir, file)));
    if (!largest || size > largest.gzipBytes) largest = { file, gzipBytes: size };
  }
  return {
    initialFiles: [...initial],
    initialJsGzipBytes,
    targetBytes: INITIAL_JS_TARGET_BYTES,
    withinTarget: initialJsGzipBytes <= INITIAL_JS_TARGET_BYTES,
    largestLazyChunk: largest,
    lazyChunks,
  };
}

export interface ShowsAppSize {
  /** shows.html's entry and its static imports. */
  readonly initialJsGzipBytes: number;
  /**
   * What the public catalogue (`/shows`) runs before its first list: the initial load plus the
   * catalogue page's chunk and what it imports. The 25 KB target of issue 16 is held to this.
   */
  readonly catalogueJsGzipBytes: number;
  readonly targetBytes: number;
  readonly withinTarget: boolean;
  /** The watch page's player: hls.js's light build and player.ts, loaded only on /watch. */
  readonly playerChunks: readonly string[];
  readonly playerGzipBytes: number;
  /** The QR code library, loaded only with a ticket's QR. */
  readonly qrGzipBytes: number;
  /** Whether the catalogue's JS includes the player or the QR library (it must not). */
  readonly catalogueLoadsPlayer: boolean;
}

const chunkNamed = (assets: readonly string[], prefix: string): string[] =>
  assets.filter((name) => name.startsWith(prefix) && name.endsWith('.js')).map((name) => `assets/${name}`);

/** The shows app's weight (issue 16): catalogue ≤ 25 KB gzip, and the player chunk's size. */
export async function measureShowsAppSize(dir: string): Promise<ShowsAppSize> {
  const initial = await initialLoad(dir, 'shows.html');
  const assets = await readdir(join(dir, 'assets'));
  const catalogueChunks = chunkNamed(assets, 'catalogue-');
  if (catalogueChunks.length !== 1)
    throw new Error(`expected one catalogue chunk, found ${catalogueChunks.join(', ') || 'none'}`);
  const catalogue = await staticClosure(dir, [...initial.files, ...catalogueChunks]);
  const playerChunks = [...chunkNamed(assets, 'hls.light-'), ...chunkNamed(assets, 'player-')];
  if (playerChunks.length !== 2)
    throw new Error(`expected hls.light and player chunks, found ${playerChunks.join(', ') || 'none'}`);
  let playerGzipBytes = 0;
  for (const file of playerChunks) playerGzipBytes += gzipBytes(await readFile(join(dir, file)));
  let qrGzipBytes = 0;
  for (const file of chunkNamed(assets, 'qrcode-')) qrGzipBytes += gzipBytes(await readFile(join(dir, file)));
  return {
    initialJsGzipBytes: initial.gzipBytes,
    catalogueJsGzipBytes: catalogue.gzipBytes,
    targetBytes: INITIAL_JS_TARGET_BYTES,
    withinTarget: catalogue.gzipBytes <= INITIAL_JS_TARGET_BYTES,
    playerChunks,
    playerGzipBytes,
    qrGzipBytes,
    catalogueLoadsPlayer: [...catalogue.files].some((file) => /\/(hls\.light|player|qrcode)-/.test(file)),
  };
}

/** The lines `npm run bench web-size` prints for the shows app. */
export async function benchShowsAppSize(dir: string): Promise<Record<string, string | number | boolean>> {
  const size = await measureShowsAppSize(dir);
  return {
    'shows.html initial JS gzip (bytes)': size.initialJsGzipBytes,
    'catalogue /shows JS gzip (bytes)': size.catalogueJsGzipBytes,
    'target (bytes)': size.targetBytes,
    'catalogue / target': Number((size.catalogueJsGzipBytes / size.targetBytes).toFixed(2)),
    'within target': size.withinTarget,
    'player chunks (watch page only)': size.playerChunks.join(' '),
    'player gzip (bytes)': size.playerGzipBytes,
    'QR library gzip (bytes, ticket pages only)': size.qrGzipBytes,
  };
}

/** The lines `npm run bench web-size` prints. */
export async function benchWebSize(dir: string): Promise<Record<string, string | number | boolean>> {
  const size = await measureWebSize(dir);
  return {
    'initial JS gzip (bytes)': size.initialJsGzipBytes,
    'target (bytes)': size.targetBytes,
    'initial / target': Number((size.initialJsGzipBytes / size.targetBytes).toFixed(2)),
    'within target': size.withinTarget,
    'initial files': size.initialFiles.join(' '),
    'largest lazy chunk': size.largestLazyChunk?.file ?? '—',
    'largest lazy chunk gzip (bytes)': size.largestLazyChunk?.gzipBytes ?? 0,
    'lazy chunks': size.lazyChunks,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../dist/web/', import.meta.url));
  console.log('\n# Portal JavaScript: initial load (gzip) vs the 25 KB target, and the largest lazy chunk');
  console.table(await benchWebSize(dir));
  console.log(
    '\n# Shows app JavaScript: the public catalogue (gzip) vs the 25 KB target, and the player chunk',
  );
  console.table(await benchShowsAppSize(dir));
}
