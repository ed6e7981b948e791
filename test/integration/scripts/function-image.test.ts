import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '#functions/index.ts';
import { OFFLINE_HEALTH_CONFIG } from '#test/support/bundle.ts';
import { clientResponseOf, fnHttpHeaders } from '../../../infra/local/fn/http-intent.ts';
import { FnRunner } from '../../../infra/local/fn/runner.ts';
import { FUNCTION_BUNDLE_DIR } from '../../../scripts/build.ts';

/**
 * The function image is the run stage of the root Dockerfile: `dist/function/` copied alone into
 * `/function`, no node_modules. These tests rebuild that file tree in a temporary folder with no
 * node_modules above it, so anything the bundle still resolves from the repository shows up here
 * rather than as a cold-start crash in OCI.
 */
/**
 * Resolves every static and literal dynamic import of `entryFile` from its own folder, the way
 * Node will in the image, and returns the specifiers that resolve to nothing.
 */
async function unresolvedImports(entryFile: string): Promise<string[]> {
  try {
    await build({
      entryPoints: [entryFile],
      bundle: true,
      write: false,
      splitting: true,
      format: 'esm',
      platform: 'node',
      outdir: join(entryFile, '..', 'resolve-check'),
      logLevel: 'silent',
    });
    return [];
  } catch (err) {
    const errors = (err as { errors?: Array<{ text: string }> }).errors ?? [];
    if (errors.length === 0) throw err;
    return errors.map((error) => error.text);
  }
}

interface StartOutcome {
  readonly code: number | null;
  readonly output: string;
}

/** Starts one function from the image folder with no config; it must load its chunk and refuse. */
function startWithoutConfig(imageRoot: string, name: string): Promise<StartOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['entry.js'], {
      cwd: imageRoot,
      env: {
        PATH: process.env.PATH ?? '',
        FN_FORMAT: 'http-stream',
        FN_LISTENER: `unix:${join(imageRoot, `${name}.sock`)}`,
        FORGECAST_FUNCTION: name,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the function image (dist/function alone, as the Dockerfile copies it)', () => {
  let imageRoot: string;

  beforeAll(async () => {
    imageRoot = await mkdtemp(join(tmpdir(), 'forgecast-image-'));
    await cp(FUNCTION_BUNDLE_DIR, imageRoot, { recursive: true });
  });

  afterAll(async () => {
    if (imageRoot) await rm(imageRoot, { recursive: true, force: true });
  });

  it('imports nothing but Node built-ins and its own chunks', async () => {
    expect(await unresolvedImports(join(imageRoot, 'entry.js'))).toEqual([]);
  });

  it('the resolution check reports a package import (so the check above can fail)', async () => {
    const probe = join(imageRoot, 'probe-external.js');
    await writeFile(probe, 'import "node:fs";\nexport const load = () => import("oci-common");\n');
    expect(await unresolvedImports(probe)).toEqual([expect.stringContaining('oci-common')]);
  });

  it('every catalog function loads its chunk from the image and refuses a missing config by name', async () => {
    const outcomes = await Promise.all(
      catalog.map(async ({ manifest }) => ({
        name: manifest.name,
        ...(await startWithoutConfig(imageRoot, manifest.name)),
      })),
    );
    for (const outcome of outcomes) {
      expect({ name: outcome.name, code: outcome.code }).toEqual({ name: outcome.name, code: 78 });
      expect(outcome.output).toContain('Invalid configuration');
      expect(outcome.output).not.toMatch(/Cannot find (module|package)/);
    }
  });

  it("the build step warms V8's code cache for every handler chunk (Dockerfile: --warm-compile-cache)", async () => {
    const cacheDir = join(imageRoot, '.node-compile-cache');
    const warm = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['entry.js', '--warm-compile-cache'], {
        cwd: imageRoot,
        env: { PATH: process.env.PATH ?? '', NODE_COMPILE_CACHE: cacheDir },
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    expect(warm).toBe(0);
    const cached = (await readdir(cacheDir, { recursive: true, withFileTypes: true })).filter((e) =>
      e.isFile(),
    );
    // At least one compiled chunk per function (each handler has its own chunk besides the shared ones).
    expect(cached.length).toBeGreaterThan(catalog.length);
  });

  it('an unknown FORGECAST_FUNCTION exits 78 with a message naming the variable', async () => {
    const outcome = await startWithoutConfig(imageRoot, 'no-such-function');
    expect(outcome.code).toBe(78);
    expect(outcome.output).toContain('FORGECAST_FUNCTION');
  });

  it('serves a call through the real FDK from the image folder', async () => {
    const runner = new FnRunner(
      [
        {
          name: 'health',
          command: process.execPath,
          args: [join(imageRoot, 'entry.js')],
          env: {
            FORGECAST_FUNCTION: 'health',
            LOG_LEVEL: 'warn',
            ...OFFLINE_HEALTH_CONFIG,
          },
          memoryMb: 256,
          timeoutSeconds: 10,
        },
      ],
      { processesPerFunction: 1 },
    );
    try {
      const outcome = await runner.call('health', {
        headers: fnHttpHeaders('GET', '/v1/health/live', {}),
        body: Buffer.alloc(0),
      });
      if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}`);
      const response = clientResponseOf(outcome.reply);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({ status: expect.any(String) });
    } finally {
      await runner.close();
    }
  });
});
