import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../infra/local/main.ts', import.meta.url));

/** Starts `npm start`'s program as a user would and waits for its readiness banner. */
function startPlatform(
  dataDir: string,
): Promise<{ child: ChildProcess; output: () => string; gatewayUrl: string }> {
  const child = spawn(process.execPath, [MAIN, '--data-dir', dataDir], {
    env: {
      ...process.env,
      GATEWAY_PORT: '0',
      S3_PORT: '0',
      CHAIN_PORT: '0',
      EDGE_PORT: '0',
      STRIPE_PORT: '0',
      METRICS_PORT: '0',
      MYSQL_URL: '',
      CHAIN_RPC_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 60 s:\n${text}`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${text}`));
    });
    const poll = setInterval(() => {
      const ready = /API gateway\s+(http:\/\/\S+)/.exec(text);
      if (ready?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, output: () => text, gatewayUrl: ready[1] });
      }
    }, 50);
  });
}

function stopPlatform(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

describe('npm start (the local cloud as a user runs it)', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-start-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts everything from embedded defaults, reports every dependency up, and stops cleanly on Ctrl-C', async () => {
    const first = await startPlatform(dataDir);

    const health = await fetch(`${first.gatewayUrl}/health`);
    const report = (await health.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(health.status).toBe(200);
    expect(report.status).toBe('ok');
    expect(Object.keys(report.checks).sort()).toEqual(['chain', 'database', 'objectStorage', 'queue']);
    expect(first.output()).toContain('operator API key created');

    const operatorKeyFile = join(dataDir, 'operator-key');
    expect((await stat(operatorKeyFile)).mode & 0o077).toBe(0);
    const operatorKey = (await readFile(operatorKeyFile, 'utf8')).trim();
    expect(first.output()).not.toContain(operatorKey);

    expect(await stopPlatform(first.child)).toBe(0);
    expect(first.output()).toContain('stopped cleanly');

    // Data persists: the second start finds the database and keys of the first.
    const second = await startPlatform(dataDir);
    try {
      expect(second.output()).not.toContain('operator API key created');
      expect(second.output()).toMatch(/"applied":\[\]/);
      expect((await fetch(`${second.gatewayUrl}/health`)).status).toBe(200);
    } finally {
      expect(await stopPlatform(second.child)).toBe(0);
    }
  });
});
