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

export async function measureWebSize(dir: string): Promise<WebSize> {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const initial = new Set<string>();
  const queue = entryScripts(html);
  let initialJsGzipBytes = 0;
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (initial.has(file)) continue;
    initial.add(file);
    const bytes = await readFile(join(dir, file));
    initialJsGzipBytes += gzipBytes(bytes);
    for (const imported of staticImports(bytes.toString('utf8'))) {
      queue.push(posix.normalize(posix.join(posix.dirname(file), imported)));
    }
  }
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
}
