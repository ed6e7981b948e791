import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_CLOUD_MAIN,
  leftoversAfter,
  localCloudEnv,
  processesMentioning,
  spawnLocalCloud,
  startLocalCloudMain,
} from '../support/local-cloud-process.ts';

/**
 * Every way `npm start` can end leaves no process of its data folder behind: MariaDB, the
 * transcoder worker, every FDK process (issue 13 §1, "No orphans"). One data folder serves all
 * cases in turn, which also proves each ending leaves it usable for the next start.
 */
/** A start on a loaded 2-core machine can take a minute; the stop and the clean-up more. */
const CASE_TIMEOUT_MS = 300_000;

describe('npm start: every exit path stops every child', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-exit-'));
  }, CASE_TIMEOUT_MS);
  afterAll(async () => {
    // Whatever a failed case left must not outlive the suite.
    for (const { pid } of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }, CASE_TIMEOUT_MS);

  const startMain = (env: Record<string, string> = {}, nodeArgs: string[] = []) =>
    startLocalCloudMain(dataDir, env, nodeArgs);

  it(
    'a failed start (the gateway port is taken) stops what had started and says what to change',
    async () => {
      // Prepare
      const blocker: Server = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as { port: number }).port;
      try {
        // Act
        // The gateway starts last, after MariaDB, the chain, the S3 server, the edge, Stripe and
        // the metrics collector; its listen failure used to crash with a stack trace.
        const cloud = startMain({ GATEWAY_PORT: String(port) });
        const code = await cloud.exited;

        // Assess
        expect(code).toBe(1);
        expect(cloud.output()).toContain(
          `forgecast could not start: the API gateway cannot listen on 127.0.0.1:${port}: the port is already in use; stop what holds it, or set GATEWAY_PORT to another port (0 picks a free one)`,
        );
        expect(cloud.output()).not.toMatch(/^\s+at /m);
        expect(await leftoversAfter(dataDir)).toEqual([]);
      } finally {
        blocker.close();
      }
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'SIGTERM in the middle of the start stops cleanly',
    async () => {
      const cloud = startMain();
      await cloud.waitFor(/database migrated/);

      cloud.child.kill('SIGTERM');

      expect(await cloud.exited).toBe(0);
      expect(cloud.output()).not.toContain('forgecast is ready');
      expect(await leftoversAfter(dataDir)).toEqual([]);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'SIGTERM to the node process stops cleanly',
    async () => {
      const cloud = startMain();
      await cloud.ready();
      expect(processesMentioning(dataDir).length).toBeGreaterThan(3);

      cloud.child.kill('SIGTERM');

      expect(await cloud.exited).toBe(0);
      expect(cloud.output()).toContain('stopped cleanly');
      expect(await leftoversAfter(dataDir)).toEqual([]);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'Ctrl-C (SIGINT to the whole process group) stops cleanly',
    async () => {
      const cloud = startMain();
      await cloud.ready();

      process.kill(-(cloud.child.pid as number), 'SIGINT');

      expect(await cloud.exited).toBe(0);
      expect(cloud.output()).toContain('stopped cleanly');
      expect(await leftoversAfter(dataDir)).toEqual([]);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'a second Ctrl-C stops every process at once, also when the orderly stop hangs',
    async () => {
      // Prepare: a database that does not answer (stopped), so the orderly stop hangs on it.
      const cloud = startMain();
      await cloud.ready();
      const mariaDbPid = Number((await readFile(join(dataDir, 'mariadb', 'mariadbd.pid'), 'utf8')).trim());
      process.kill(mariaDbPid, 'SIGSTOP');

      // Act
      process.kill(-(cloud.child.pid as number), 'SIGINT');
      await cloud.waitFor(/SIGINT: stopping/);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(cloud.child.exitCode).toBeNull();
      process.kill(-(cloud.child.pid as number), 'SIGINT');

      // Assess
      expect(await cloud.exited).toBe(130);
      expect(await leftoversAfter(dataDir)).toEqual([]);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'SIGKILL of the node process: the children notice their parent is gone',
    async () => {
      const cloud = startMain();
      await cloud.ready();

      cloud.child.kill('SIGKILL');

      expect(await cloud.exited).toBe('SIGKILL');
      expect(await leftoversAfter(dataDir)).toEqual([]);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'a crash of the node process (an uncaught exception): the children notice too',
    async () => {
      // A real uncaught exception in the main process, raised on SIGUSR2 by a preloaded module,
      // so the product carries no test hook.
      const crashOnSignal = `data:text/javascript,${encodeURIComponent(
        "process.on('SIGUSR2', () => { throw new Error('simulated crash'); });",
      )}`;
      const cloud = startMain({}, ['--import', crashOnSignal]);
      await cloud.ready();

      cloud.child.kill('SIGUSR2');

      expect(await cloud.exited).toBe(1);
      expect(cloud.output()).toContain('simulated crash');
      expect(await leftoversAfter(dataDir)).toEqual([]);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'SIGTERM to npm (which runs the program through a shell, as `npm start` does)',
    async () => {
      // A package whose start script has the shape of the real one: a shell running steps, then
      // the program. npm passes SIGTERM to that shell only; the program must notice it is alone.
      const project = await mkdtemp(join(tmpdir(), 'fc-npm-'));
      try {
        await writeFile(
          join(project, 'package.json'),
          JSON.stringify({
            name: 'fc-npm-start-shape',
            private: true,
            scripts: {
              start: `true && node ${JSON.stringify(LOCAL_CLOUD_MAIN)} --data-dir ${JSON.stringify(dataDir)}`,
            },
          }),
        );
        const npm = spawnLocalCloud('npm', ['start', '--silent'], { env: localCloudEnv(), cwd: project });
        await npm.ready();

        npm.child.kill('SIGTERM');
        await npm.exited;

        expect(await leftoversAfter(dataDir)).toEqual([]);
      } finally {
        await rm(project, { recursive: true, force: true });
      }
    },
    CASE_TIMEOUT_MS,
  );
});
