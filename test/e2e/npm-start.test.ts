import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../infra/local/mariadb.ts';
import {
  type LocalCloudProcess,
  leftoversAfter,
  processesMentioning,
  startLocalCloudMain,
} from '../support/local-cloud-process.ts';

interface HealthAnswer {
  readonly status: number;
  readonly body: { status?: string; starting?: string[]; checks?: Record<string, { status: string }> };
  readonly bannerPrinted: boolean;
  readonly operatorKeyExists: boolean;
}

async function stopPlatform(cloud: LocalCloudProcess): Promise<number | string> {
  process.kill(-(cloud.child.pid as number), 'SIGINT');
  return cloud.exited;
}

async function healthStatus(gatewayUrl: string): Promise<number> {
  try {
    return (await fetch(`${gatewayUrl}/health`, { signal: AbortSignal.timeout(10_000) })).status;
  } catch {
    return 0;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls with bare TCP connects (which leave the health answers to the test) until the gateway accepts. */
async function boundOrEnded(cloud: LocalCloudProcess, port: number): Promise<'bound' | 'ended'> {
  for (;;) {
    if ((await Promise.race([cloud.exited, Promise.resolve('running')])) !== 'running') return 'ended';
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return 'bound';
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts the platform on a port found free a moment ago. Between finding it and the gateway binding it,
 * another test's process can take it (a loaded CI run did); the start then refuses with its
 * "port is already in use" sentence, and we begin again, from an empty data folder, on another port.
 */
async function startOnAFreePort(dataDir: string): Promise<{ first: LocalCloudProcess; gatewayUrl: string }> {
  for (let attempt = 1; ; attempt++) {
    const gatewayPort = await findFreePort();
    const cloud = startLocalCloudMain(dataDir, { GATEWAY_PORT: String(gatewayPort) });
    const outcome = await boundOrEnded(cloud, gatewayPort);
    if (outcome === 'ended' && cloud.output().includes('the port is already in use') && attempt < 3) {
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dataDir, { recursive: true });
      continue;
    }
    return { first: cloud, gatewayUrl: `http://127.0.0.1:${gatewayPort}/v1` };
  }
}

describe('npm start (the local cloud as a user runs it)', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-start-'));
  });
  afterAll(async () => {
    for (const { pid } of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is ready only when ready, stays quiet when idle, restarts a killed MariaDB, and stops cleanly on Ctrl-C', async () => {
    // Prepare: a known gateway port, so health can be polled from the moment it accepts.
    const { first, gatewayUrl } = await startOnAFreePort(dataDir);
    const operatorKeyFile = join(dataDir, 'operator-key');

    // Act 1: poll health through the whole start-up.
    const answers: HealthAnswer[] = [];
    for (let ready = false; !ready; ) {
      try {
        const response = await fetch(`${gatewayUrl}/health`, { signal: AbortSignal.timeout(10_000) });
        const body = (await response.json()) as HealthAnswer['body'];
        const operatorKeyExists = existsSync(operatorKeyFile);
        // The banner's bytes were written before health could answer 200; let the pipe catch up.
        await new Promise((r) => setTimeout(r, 20));
        answers.push({
          status: response.status,
          body,
          bannerPrinted: first.output().includes('forgecast is ready'),
          operatorKeyExists,
        });
        ready = response.status === 200;
      } catch (err) {
        // Not accepting yet (or the start failed: then say so).
        if ((await Promise.race([first.exited, Promise.resolve('running')])) !== 'running')
          throw new Error(`the local cloud ended:\n${first.output()}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await first.ready();

    // Assess 1: 503 naming what is still starting, then the first 200 after the banner and the key.
    const firstOk = answers.findIndex((answer) => answer.status === 200);
    const before = answers.slice(0, firstOk);
    expect(before.length).toBeGreaterThan(0);
    for (const answer of before) {
      expect(answer.status).toBe(503);
      expect(answer.body.status).toBe('starting');
      expect(answer.body.starting?.length).toBeGreaterThan(0);
    }
    expect(before.flatMap((answer) => answer.body.starting)).toContain('operator key');
    expect(answers[firstOk]).toMatchObject({ bannerPrinted: true, operatorKeyExists: true });
    expect(Object.keys(answers[firstOk]?.body.checks ?? {}).sort()).toEqual([
      'chain',
      'database',
      'objectStorage',
      'queue',
    ]);
    expect(first.output()).toContain('operator API key created');
    expect((await stat(operatorKeyFile)).mode & 0o077).toBe(0);
    const operatorKey = (await readFile(operatorKeyFile, 'utf8')).trim();
    expect(first.output()).not.toContain(operatorKey);
    // Liveness is a separate route and answers as soon as the function does.
    expect((await fetch(`${gatewayUrl}/health/live`)).status).toBe(200);

    // Act 2: idle for a while at the default level (schedules tick every 2 s).
    const printedAtReady = first.output().length;
    await new Promise((r) => setTimeout(r, 8_000));

    // Assess 2: nothing printed.
    expect(first.output().slice(printedAtReady)).toBe('');

    // Act 3: MariaDB dies.
    const mariaDbPid = Number((await readFile(join(dataDir, 'mariadb', 'mariadbd.pid'), 'utf8')).trim());
    process.kill(mariaDbPid, 'SIGKILL');

    // Assess 3: said on the console, restarted, health back to 200.
    await first.waitFor(/MariaDB exited unexpectedly \(signal SIGKILL\)/);
    await first.waitFor(/MariaDB is running again/);
    await until('health 200 after the MariaDB restart', async () =>
      (await healthStatus(gatewayUrl)) === 200 ? true : undefined,
    );

    // Act 4: Ctrl-C.
    expect(await stopPlatform(first)).toBe(0);
    expect(first.output()).toContain('stopped cleanly');
    expect(await leftoversAfter(dataDir)).toEqual([]);

    // Data persists: the second start finds the database and keys of the first.
    const second = startLocalCloudMain(dataDir);
    try {
      const secondUrl = await second.ready();
      expect(second.output()).not.toContain('operator API key created');
      expect(second.output()).toMatch(/"applied":\[\]/);
      expect(await healthStatus(secondUrl)).toBe(200);
    } finally {
      expect(await stopPlatform(second)).toBe(0);
    }
  }, 300_000);
});
