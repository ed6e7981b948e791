import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { restartAfterExit, spawnChild } from './child-processes.ts';

/** The bundled ingest agent (scripts/build.ts); the same file the live-ingest image runs. */
export const LIVE_INGEST_ENTRY = fileURLToPath(new URL('../../dist/live-ingest/main.js', import.meta.url));

/** Where publishers connect; what `live-streams` hands a creator and the banner prints. */
export interface LiveIngestUrls {
  readonly rtmp: string;
  readonly rtmps: string;
  readonly whip: string;
}

export interface LiveIngestPorts {
  readonly rtmp: number;
  readonly rtmps: number;
  readonly whip: number;
}

export interface LiveIngestWorkerOptions {
  readonly ports: LiveIngestPorts;
  /** Everything the agent reads (workers/live-ingest config), without the ports. */
  readonly env: Readonly<Record<string, string>>;
  readonly entry?: string;
  /** Restart delay after an exit, doubled per quick exit up to 30 s (a restart policy of ALWAYS). */
  readonly restartDelayMs?: number;
  readonly log?: (line: string) => void;
}

const HOST = '127.0.0.1';
const STOP_GRACE_MS = 15_000;

/** The URLs publishers use for these ports on this machine. */
export function liveIngestUrls(ports: LiveIngestPorts, host = HOST): LiveIngestUrls {
  return {
    rtmp: `rtmp://${host}:${ports.rtmp}/live`,
    rtmps: `rtmps://${host}:${ports.rtmps}/live`,
    whip: `http://${host}:${ports.whip}/whip`,
  };
}

/**
 * Ports for the agent, chosen before it starts: the functions' config names the ingest URLs, and
 * the functions start before the agent (which needs the gateway). 0 asks the kernel for a free
 * port, held only long enough to read it; a fixed port is taken as given (nginx says if it is busy).
 */
export async function choosePorts(wanted: LiveIngestPorts): Promise<LiveIngestPorts> {
  const taken = new Set<number>();
  const pick = async (port: number): Promise<number> => {
    if (port !== 0) return port;
    for (;;) {
      const free = await freePort();
      if (!taken.has(free)) {
        taken.add(free);
        return free;
      }
    }
  };
  return { rtmp: await pick(wanted.rtmp), rtmps: await pick(wanted.rtmps), whip: await pick(wanted.whip) };
}

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.setTimeout(1_000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The local stand-in for the live ingest pool: one agent process (nginx and the ladders are its
 * children), restarted when it exits on its own like a container with restart policy ALWAYS.
 * `stop()` sends SIGTERM (the agent drains: refuses new publishers, finishes uploads, reports
 * `done`) and SIGKILL after a bound.
 */
export class LiveIngestWorker {
  readonly #options: LiveIngestWorkerOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #restart: NodeJS.Timeout | undefined;
  #quickExits = 0;
  #closing = false;

  constructor(options: LiveIngestWorkerOptions) {
    this.#options = options;
  }

  get urls(): LiveIngestUrls {
    return liveIngestUrls(this.#options.ports);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Starts the agent and resolves once its RTMP and WHIP ports accept connections (whatever its
   * log level), or rejects if it exits first or the time runs out.
   */
  async start(timeoutMs = 60_000): Promise<void> {
    const entry = this.#options.entry ?? LIVE_INGEST_ENTRY;
    if (!existsSync(entry)) {
      throw new Error(`no live ingest agent at ${entry}: run node scripts/build.ts first`);
    }
    let exited = false;
    this.#spawn(entry);
    const child = this.#child;
    child?.once('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + timeoutMs;
    const { rtmp, whip } = this.#options.ports;
    for (;;) {
      if (exited) throw new Error('the live ingest agent exited before listening');
      if ((await accepts(rtmp)) && (await accepts(whip))) return;
      if (Date.now() > deadline)
        throw new Error(`the live ingest agent did not listen within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGKILL, as a crashed instance (tests); the worker restarts it unless stopping. */
  kill(): void {
    this.#child?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#restart);
    const child = this.#child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.#exited;
    clearTimeout(timer);
  }

  #spawn(entry: string): void {
    this.#restart = undefined;
    const startedAt = performance.now();
    const { ports } = this.#options;
    const child = spawnChild(process.execPath, [entry], {
      env: {
        ...this.#options.env,
        LIVE_RTMP_PORT: String(ports.rtmp),
        LIVE_RTMPS_PORT: String(ports.rtmps),
        LIVE_WHIP_PORT: String(ports.whip),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      parentDeathSignal: 'SIGTERM',
    });
    this.#child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.#options.log?.(line));
    }
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#child = undefined;
        resolve();
        if (this.#closing) return;
        const restart = restartAfterExit(
          performance.now() - startedAt,
          this.#quickExits,
          this.#options.restartDelayMs,
        );
        this.#quickExits = restart.quickExits;
        const delayMs = restart.delayMs;
        this.#options.log?.(
          JSON.stringify({
            level: 'warn',
            msg: 'live ingest agent exited; restarting',
            code,
            signal,
            inMs: delayMs,
          }),
        );
        this.#restart = setTimeout(() => {
          if (!this.#closing) this.#spawn(entry);
        }, delayMs);
        this.#restart.unref();
      });
    });
  }
}
