import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles every function into one image payload: `dist/function/entry.js` plus one chunk per
 * handler (code splitting), so a container loads only its own function's dependencies.
 * The same bundle runs under the local Fn runner and in the OCI image (see func.yaml).
 */
export const FUNCTION_BUNDLE_DIR = fileURLToPath(new URL('../dist/function/', import.meta.url));
export const FUNCTION_ENTRY = `${FUNCTION_BUNDLE_DIR}entry.js`;

export async function buildFunctions(): Promise<void> {
  await rm(FUNCTION_BUNDLE_DIR, { recursive: true, force: true });
  await build({
    entryPoints: { entry: fileURLToPath(new URL('../functions/entry.ts', import.meta.url)) },
    outdir: FUNCTION_BUNDLE_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    minifySyntax: true,
    legalComments: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    // CommonJS dependencies (mysql2, the FDK) call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __fcRequire } from 'node:module'; const require = __fcRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}

export const TRANSCODER_BUNDLE_DIR = fileURLToPath(new URL('../dist/transcoder/', import.meta.url));

/** The transcoder worker as one file for its own image (workers/transcoder/Dockerfile). */
export function buildTranscoder(): Promise<void> {
  return buildWorker('../workers/transcoder/main.ts', TRANSCODER_BUNDLE_DIR);
}

export const LIVE_INGEST_BUNDLE_DIR = fileURLToPath(new URL('../dist/live-ingest/', import.meta.url));

/** The live ingest agent as one file for its own image (workers/live-ingest/Dockerfile). */
export function buildLiveIngest(): Promise<void> {
  return buildWorker('../workers/live-ingest/main.ts', LIVE_INGEST_BUNDLE_DIR);
}

/** A container worker's entry (relative to this script) bundled into `outdir/main.js`. */
async function buildWorker(entry: string, outdir: string): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { main: fileURLToPath(new URL(entry, import.meta.url)) },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    minifySyntax: true,
    legalComments: 'linked',
    banner: {
      js: "import { createRequire as __fcRequire } from 'node:module'; const require = __fcRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}

export const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));
export const WEB_DIST_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));
/** Where Vite puts the hashed files; the web server serves this folder as immutable. */
export const WEB_ASSETS_DIR = 'assets';

/**
 * The portal (web/) with Vite's JS API into dist/web: index.html and shows.html (the shows app,
 * issue 16) plus hashed, content-addressed
 * JS and CSS under assets/, each page its own lazy chunk. Vite is imported here, not at the top,
 * so scripts that only need the function bundle do not load it.
 */
export async function buildWeb(outDir: string = WEB_DIST_DIR): Promise<void> {
  const [{ build: viteBuild }, { default: preact }] = await Promise.all([
    import('vite'),
    import('@preact/preset-vite'),
  ]);
  // Always the production build. Vite reads NODE_ENV itself: under vitest (NODE_ENV=test) it
  // kept Preact's devtools hook and the JSX dev runtime in, 1-5 KB more than people download.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await viteBuild({
      root: WEB_ROOT,
      configFile: false,
      logLevel: 'warn',
      // the app is served at the site's root, on the same host as /v1
      base: '/',
      mode: 'production',
      plugins: [preact({ prerender: { enabled: false }, devToolsEnabled: false })],
      build: {
        outDir,
        emptyOutDir: true,
        assetsDir: WEB_ASSETS_DIR,
        target: 'es2022',
        sourcemap: true,
        // no inline <script> or data: module preloads: the CSP forbids inline script
        modulePreload: { polyfill: false },
        // two pages of one build, sharing the app's chunks: the portal and the shows app (issue 16)
        rolldownOptions: {
          input: { index: `${WEB_ROOT}index.html`, shows: `${WEB_ROOT}shows.html` },
        },
        assetsInlineLimit: 0,
        reportCompressedSize: false,
      },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  await Promise.all([buildFunctions(), buildTranscoder(), buildLiveIngest(), buildWeb()]);
  const { compileContracts } = await import('./compile-contracts.ts');
  await compileContracts();
  console.log(
    `built functions, the transcoder, the live ingest agent, the web app and contracts in ${Math.round(performance.now() - started)} ms`,
  );
}
