import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The bundled worker (scripts/build.ts); the same file the transcoder image runs. */
export const TRANSCODER_ENTRY = fileURLToPath(new URL('../../dist/transcoder/main.js', import.meta.url));

export interface TranscoderPoolOptions {
  readonly size: number;
  readonly env: Readonly<Record<string, string>>;
  /** Restart a worker that exits on its own (a container restart policy of ALWAYS). */
  readonly restartDelayMs?: number;
  readonly log?: (worker: string, line: string) => void;
}

export interface TranscoderWorker {
  readonly name: string;
  readonly pid: number | undefined;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when this process (not its replacement) has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The local stand-in for the Container Instances pool: `size` worker processes, each leasing one
 * job at a time from the transcode queue. A worker that dies is replaced, as a container instance
 * with restart policy ALWAYS would be; `stop()` sends SIGTERM and waits, like a scale-in.
 */
export class TranscoderPool {
  readonly #options: TranscoderPoolOptions;
  readonly #slots: Array<{ child: ChildProcess; worker: TranscoderWorker }> = [];
  #stopping = false;

  constructor(options: TranscoderPoolOptions) {
    this.#options = options;
  }

  start(): void {
    for (let index = 0; index < this.#options.size; index += 1) this.#spawn(index);
  }

  /** The current process of each slot (replacements included). */
  get workers(): readonly TranscoderWorker[] {
    return this.#slots.map((slot) => slot.worker);
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    this.#stopping = true;
    const exits = this.#slots.map((slot) => slot.worker.exited);
    for (const slot of this.#slots) slot.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const slot of this.#slots) slot.child.kill('SIGKILL');
    }, timeoutMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }

  #spawn(index: number): void {
    const name = `transcoder-${index + 1}`;
    const child = spawn(process.execPath, [TRANSCODER_ENTRY], {
      env: { ...this.#options.env, WORKER_ID: `${name}-${Date.now().toString(36)}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.#options.log?.(name, line));
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const worker: TranscoderWorker = {
      name,
      pid: child.pid,
      kill: (signal) => child.kill(signal),
      exited,
    };
    this.#slots[index] = { child, worker };
    void exited.then(({ code, signal }) => {
      if (this.#stopping) return;
      this.#options.log?.(
        name,
        JSON.stringify({ level: 'warn', msg: 'worker exited; restarting', code, signal }),
      );
      setTimeout(() => {
        if (!this.#stopping) this.#spawn(index);
      }, this.#options.restartDelayMs ?? 1000).unref();
    });
  }
}
