import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fn's hot-start window: a container that is not listening by then is killed. */
export const START_TIMEOUT_MS = 5_000;

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
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FdkStartError';
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
      throw new FdkStartError(`socket path too long: ${this.socketPath}`);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.child = spawn(spec.command, [...spec.args], {
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
    this.child.once('exit', () => {
      this.exited = true;
      this.agent.destroy();
      rmSync(this.dir, { recursive: true, force: true });
      for (const listener of this.exitListeners) listener();
    });
  }

  static async start(spec: FdkProcessSpec, timeoutMs = START_TIMEOUT_MS): Promise<FdkProcess> {
    const proc = new FdkProcess(spec);
    await proc.waitUntilListening(timeoutMs);
    proc.readyAfterMs = performance.now() - proc.startedAt;
    return proc;
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

  /** POST /call; rejects with FdkCallTimeoutError after `timeoutMs` (the caller then kills us). */
  call(call: FdkCall): Promise<FdkReply> {
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
      request.on('error', (cause) => {
        clearTimeout(timer);
        reject(new FdkConnectionError(`${this.spec.name} closed the connection`, { cause }));
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
        );
      }
      if (this.isListening()) return;
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 10);
    }
    await this.stop('SIGKILL');
    throw new FdkStartError(
      `${this.spec.name} was not listening within ${timeoutMs} ms: ${this.recentStderr()}`,
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
