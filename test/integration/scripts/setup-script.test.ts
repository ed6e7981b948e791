import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SETUP = join(ROOT, 'scripts/setup.sh');

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runSetup(cwdScript: string, args: string[] = []): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [cwdScript, ...args],
      // The machine's own environment: npm needs its registry settings (proxy, CA) from it.
      { env: process.env },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('scripts/setup.sh (what npm start and npm test run first)', () => {
  it('says nothing and succeeds when the machine is ready (this checkout, installed)', async () => {
    const outcome = await runSetup(SETUP);
    expect(outcome).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('refuses an unknown option instead of ignoring it', async () => {
    const outcome = await runSetup(SETUP, ['--frobnicate']);
    expect(outcome.code).toBe(64);
    expect(outcome.stderr).toContain('unknown option --frobnicate');
  });

  describe('a project whose lock does not match package.json', () => {
    let project: string;

    beforeAll(async () => {
      // A throwaway project beside a copy of the script: package.json asks for a package the
      // lock does not have, which `npm ci` refuses before it downloads anything.
      project = await mkdtemp(join(tmpdir(), 'forgecast-setup-'));
      await mkdir(join(project, 'scripts'));
      await copyFile(SETUP, join(project, 'scripts/setup.sh'));
      await writeFile(
        join(project, 'package.json'),
        JSON.stringify({ name: 'lock-drift', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } }),
      );
      await writeFile(
        join(project, 'package-lock.json'),
        JSON.stringify({
          name: 'lock-drift',
          version: '1.0.0',
          lockfileVersion: 3,
          requires: true,
          packages: { '': { name: 'lock-drift', version: '1.0.0' } },
        }),
      );
    });

    afterAll(async () => {
      await rm(project, { recursive: true, force: true });
    });

    it('fails loudly with the step and the reason, and never falls back to npm install', async () => {
      const outcome = await runSetup(join(project, 'scripts/setup.sh'));
      expect(outcome.code).toBe(1);
      expect(outcome.stdout).toContain('setup: installing npm packages (npm ci');
      expect(outcome.stderr).toContain('setup: npm ci failed');
      // A fallback to `npm install` would have rewritten the lock to match package.json.
      const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, unknown>;
      };
      expect(Object.keys(lock.packages)).toEqual(['']);
    });
  });
});
