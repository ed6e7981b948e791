import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INITIAL_JS_TARGET_BYTES,
  measureShowsAppSize,
  measureWebSize,
  staticImports,
} from '../../../bench/web-size.ts';
import { buildWeb } from '../../../scripts/build.ts';

describe('Function: buildWeb', () => {
  let outDir: string;

  beforeAll(async () => {
    // A private output folder: dist/web may be serving a browser test at the same time.
    outDir = await mkdtemp(join(tmpdir(), 'forgecast-web-build-'));
    await buildWeb(outDir);
  }, 180_000);
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('keeps the initial JavaScript within 25 KB gzip, the pages in lazy chunks', async () => {
    // Act
    const size = await measureWebSize(outDir);

    // Assess
    expect(size.initialJsGzipBytes).toBeGreaterThan(0);
    expect(size.initialJsGzipBytes).toBeLessThanOrEqual(INITIAL_JS_TARGET_BYTES);
    expect(size.lazyChunks).toBeGreaterThanOrEqual(3); // at least the designer's three pages
    expect(size.initialFiles.some((file) => /design-(upload|detail)|designs-list/.test(file))).toBe(false);
  });

  it('keeps the shows app’s public catalogue within 25 KB gzip; hls.js and the QR library load only where needed', async () => {
    // Act
    const size = await measureShowsAppSize(outDir);
    const portal = await measureWebSize(outDir);

    // Assess
    expect(size.catalogueJsGzipBytes).toBeGreaterThan(size.initialJsGzipBytes);
    expect(size.catalogueJsGzipBytes).toBeLessThanOrEqual(INITIAL_JS_TARGET_BYTES);
    expect(size.catalogueLoadsPlayer).toBe(false);
    expect(size.playerGzipBytes).toBeGreaterThan(50_000); // hls.js's light build is in it
    expect(size.qrGzipBytes).toBeGreaterThan(0);
    expect(portal.initialFiles.some((file) => /\/(hls\.light|player|qrcode|catalogue)-/.test(file))).toBe(
      false,
    );
  });

  it('loads the chat’s Firestore transport only on demand: a chunk of its own, outside the watch page’s static imports', async () => {
    // Prepare
    const assets = await readdir(join(outDir, 'assets'));
    const transport = assets.filter((name) => /^firestore-transport-[\w-]{8}\.js$/.test(name));
    const watch = assets.filter((name) => /^watch-page-[\w-]{8}\.js$/.test(name));
    expect(transport).toHaveLength(1);
    expect(watch).toHaveLength(1);

    // Act: the watch page's chunk and everything it imports statically
    const closure = new Set<string>();
    const queue = [...watch];
    while (queue.length > 0) {
      const file = queue.shift() as string;
      if (closure.has(file)) continue;
      closure.add(file);
      const source = await readFile(join(outDir, 'assets', file), 'utf8');
      for (const imported of staticImports(source)) queue.push(imported.replace(/^\.\//, ''));
    }
    const watchSource = await readFile(join(outDir, 'assets', watch[0] as string), 'utf8');

    // Assess: not in the static closure, but named by a dynamic import() of the watch page
    expect(closure.size).toBeGreaterThan(1);
    expect(closure.has(transport[0] as string)).toBe(false);
    expect(watchSource).toContain(transport[0]);
  });

  it('writes index.html and shows.html without inline script (the CSP allows none) and content-hashed assets', async () => {
    const assets = await readdir(join(outDir, 'assets'));
    for (const page of ['index.html', 'shows.html']) {
      const html = await readFile(join(outDir, page), 'utf8');
      const inlineScripts = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)];
      expect({ page, inlineScripts }).toEqual({ page, inlineScripts: [] });
      expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers either
      expect(html).toMatch(/<script type="module"[^>]*src="\/assets\//);
    }
    expect(
      assets.filter((name) => /\.(js|css)$/.test(name)).every((name) => /-[\w-]{8}\.(js|css)$/.test(name)),
    ).toBe(true);
  });
});

describe('Function: staticImports', () => {
  it('finds static imports and re-exports of a minified module, not dynamic import()', () => {
    const source =
      'import{a as b}from"./components-AbCd1234.js";import"./side-Zz.js";export{c}from"./re-Qq.js";const p=()=>import("./lazy-Xx.js");';

    expect(staticImports(source)).toEqual(['./components-AbCd1234.js', './side-Zz.js', './re-Qq.js']);
  });
});
