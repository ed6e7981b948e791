import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChild } from '../child-processes.ts';

/**
 * How long a process may take to listen before it counts as hung rather than slow. Fn gives a
 * container the call's own time budget to come up; a loaded 2-core machine (load ~11) took over
 * 5 s for some functions, so anything short of this is waited for, never fatal.
 */
export const START_TIMEOUT_MS = 60_000;

/** Linux's /proc, where a process's state can be read at once (elsewhere only the exit event). */
const PROC_AVAILABLE = existsSync('/proc/self/stat');

export interface FdkProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly onLog?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface FdkCall {
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
  readonly timeoutMs: number;
}

export interface FdkReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export class FdkStartError extends Error {
  /** `exited`: the program stopped (broken config or code); `not-listening`: hung past the budget. */
  readonly reason: 'exited' | 'not-listening' | 'spawn';
  constructor(message: string, reason: FdkStartError['reason'], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FdkStartError';
    this.reason = reason;
  }
}

/**
 * The call never reached the process: it had exited, or nothing accepted on its socket
 * (ECONNREFUSED/ENOENT at connect). No byte was sent, so another process may take the call.
 */
export class FdkNotDeliveredError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FdkNotDeliveredError';
  }
}

export class FdkCallTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FdkCallTimeoutError';
  }
}

export class FdkConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FdkConnectionError';
  }
}

/**
 * One function container, as the Fn server runs it: a child process given FN_FORMAT and
 * FN_LISTENER, ready once the FDK has made the relative `lsnr.sock` symlink, then fed one
 * `POST /call` at a time over the unix socket.
 */
export class FdkProcess {
  readonly spec: FdkProcessSpec;
  readonly startedAt = performance.now();
  readyAfterMs = 0;
  private readonly child: ChildProcess;
  private readonly dir: string;
  private readonly socketPath: string;
  private readonly agent: http.Agent;
  private exited = false;
  private stderrTail: string[] = [];
  private readonly exitListeners = new Set<() => void>();

  private constructor(spec: FdkProcessSpec) {
    this.spec = spec;
    // A fresh directory every time: a leftover socket makes the FDK crash with EEXIST.
    this.dir = mkdtempSync(join(tmpdir(), 'fn-'));
    this.socketPath = join(this.dir, 'lsnr.sock');
    if (Buffer.byteLength(this.socketPath) > 107)
      throw new FdkStartError(`socket path too long: ${this.socketPath}`, 'spawn');
    // One kept-alive connection: the FDK never closes an idle one (keepAliveTimeout 0), so a
    // pooled socket goes stale only when the process dies, which call() checks first.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.child = spawnChild(spec.command, spec.args, {
      // Nothing to finish: a call in flight fails either way once the runner is gone.
      parentDeathSignal: 'SIGKILL',
      env: {
        ...spec.env,
        FN_FORMAT: 'http-stream',
        FN_LISTENER: `unix:${this.socketPath}`,
        FN_FN_NAME: spec.name,
        FN_APP_NAME: 'forgecast',
        FN_MEMORY: String(spec.memoryMb),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pipeLines('stdout');
    this.pipeLines('stderr');
    this.child.once('error', (cause) => {
      this.stderrTail.push(`could not start: ${cause.message}`);
      this.markExited();
    });
    this.child.once('exit', () => this.markExited());
  }

  private markExited(): void {
    if (this.exited) return;
    this.exited = true;
    this.agent.destroy();
    rmSync(this.dir, { recursive: true, force: true });
    for (const listener of this.exitListeners) listener();
  }

  /** Starts the process; `ready()` says when it listens. */
  static spawn(spec: FdkProcessSpec): FdkProcess {
    return new FdkProcess(spec);
  }

  static async start(spec: FdkProcessSpec, timeoutMs = START_TIMEOUT_MS): Promise<FdkProcess> {
    const proc = new FdkProcess(spec);
    await proc.ready(timeoutMs);
    return proc;
  }

  /** Resolves once the FDK listens; a process that exits or hangs past `timeoutMs` is a FdkStartError. */
  async ready(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    await this.waitUntilListening(timeoutMs);
    this.readyAfterMs = performance.now() - this.startedAt;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  onExit(listener: () => void): void {
    if (this.exited) listener();
    else this.exitListeners.add(listener);
  }

  /**
   * POST /call; rejects with FdkCallTimeoutError after `timeoutMs` (the caller then kills us),
   * with FdkNotDeliveredError when the call cannot have reached the process, and with
   * FdkConnectionError when it broke off after that (the call may have run).
   *
   * A process SIGKILLed while idle stays `alive` here until Node has reaped it, and a write to its
   * kept-alive socket fails like a crash mid-call. So the kernel is asked first (/proc, a few µs):
   * a process that is gone or a zombie gets no call. A fresh connection to a dead process fails
   * with ECONNREFUSED (or ENOENT once its socket file is gone) before a byte is sent. (A fresh
   * connection per call would settle this too, but costs ~180 µs a call: 780 against 600 µs.)
   */
  call(call: FdkCall): Promise<FdkReply> {
    if (this.exited || this.goneAccordingToKernel()) {
      return Promise.reject(new FdkNotDeliveredError(`${this.spec.name} (pid ${this.pid}) has exited`));
    }
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method: 'POST',
          path: '/call',
          headers: { ...call.headers, 'Content-Length': String(call.body.length) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            clearTimeout(timer);
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              rawHeaders: response.rawHeaders,
              body: Buffer.concat(chunks),
            });
          });
          response.on('error', (cause) => {
            clearTimeout(timer);
            reject(new FdkConnectionError('response from the function broke off', { cause }));
          });
        },
      );
      const timer = setTimeout(() => {
        request.destroy();
        reject(new FdkCallTimeoutError(`${this.spec.name} did not answer within ${call.timeoutMs} ms`));
      }, call.timeoutMs);
      request.on('error', (cause: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (cause.code === 'ECONNREFUSED' || cause.code === 'ENOENT') {
          reject(
            new FdkNotDeliveredError(`${this.spec.name} (pid ${this.pid}) is not accepting calls`, { cause }),
          );
        } else
          reject(
            new FdkConnectionError(`${this.spec.name} closed the connection (${cause.code})`, { cause }),
          );
      });
      request.end(call.body);
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.onExit(resolve));
    this.child.kill(signal);
    const force = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await gone;
    clearTimeout(force);
  }

  /** The process is gone or a zombie, though its exit event has not been handled yet. */
  private goneAccordingToKernel(): boolean {
    if (!PROC_AVAILABLE || this.pid === undefined) return false;
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'latin1');
      const state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state === 'Z' || state === 'X';
    } catch {
      return true;
    }
  }

  recentStderr(): string {
    return this.stderrTail.join('\n');
  }

  private async waitUntilListening(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let pause = 1;
    while (performance.now() < deadline) {
      if (this.exited) {
        throw new FdkStartError(
          `${this.spec.name} exited during start (code ${this.child.exitCode}): ${this.recentStderr()}`,
          'exited',
        );
      }
      if (this.isListening()) return;
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 10);
    }
    await this.stop('SIGKILL');
    throw new FdkStartError(
      `${this.spec.name} was not listening within ${timeoutMs} ms: ${this.recentStderr()}`,
      'not-listening',
    );
  }

  private isListening(): boolean {
    try {
      // Fn waits for exactly this: a relative symlink to the socket's temporary name.
      return readlinkSync(this.socketPath) === 'lsnr.sock.tmp';
    } catch {
      return false;
    }
  }

  private pipeLines(stream: 'stdout' | 'stderr'): void {
    let pending = '';
    this.child[stream]?.setEncoding('utf8');
    this.child[stream]?.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim() !== '') {
          if (stream === 'stderr') this.stderrTail = [...this.stderrTail.slice(-19), line];
          this.spec.onLog?.(stream, line);
        }
        newline = pending.indexOf('\n');
      }
    });
  }
}
