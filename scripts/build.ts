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

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  await buildFunctions();
  const { compileContracts } = await import('./compile-contracts.ts');
  await compileContracts();
  console.log(`built functions and contracts in ${Math.round(performance.now() - started)} ms`);
}
