import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PoolMember, PoolMemberState } from '#shared/pool/container-pool.ts';
import { restartAfterExit, spawnChild } from './child-processes.ts';

/** The bundled worker (scripts/build.ts); the same file the transcoder image runs. */
export const TRANSCODER_ENTRY = fileURLToPath(new URL('../../dist/transcoder/main.js', import.meta.url));

export interface TranscoderPoolOptions {
  /** Slots running from the start. */
  readonly size: number;
  /** Slots in the pool, running or not (the Container Instances Terraform declares); `size` when omitted. */
  readonly maxSize?: number;
  readonly env: Readonly<Record<string, string>>;
  /**
   * Restart a worker that exits on its own (a container restart policy of ALWAYS) after this
   * delay, doubled for each exit in a row up to 30 s, so a worker that dies at once does not
   * spin; a worker that ran for a minute starts the count again.
   */
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

/** Unknown slot id; the control API answers 404. */
export class UnknownPoolMemberError extends Error {
  constructor(id: string) {
    super(`no pool member ${id}`);
    this.name = 'UnknownPoolMemberError';
  }
}

interface Slot {
  readonly name: string;
  /** What the scaler (or the start-up size) asked for; a process follows it. */
  desired: 'running' | 'stopped';
  child: ChildProcess | undefined;
  /** The latest process, kept after it exits (tests await its `exited`). */
  worker: TranscoderWorker | undefined;
  restart: NodeJS.Timeout | undefined;
  /** Exits in a row without a minute of running in between (the restart backoff). */
  quickExits: number;
}

/**
 * The local stand-in for the Container Instances pool: `maxSize` slots, `size` of them running a
 * worker process that leases one job at a time from the transcode queue. Like a container
 * instance with restart policy ALWAYS, a running slot whose worker dies gets a new one; a slot
 * told to stop gets SIGTERM (the worker finishes or releases its job) and stays stopped until
 * started again. `stop()` stops everything and waits, like tearing the pool down.
 */
export class TranscoderPool {
  readonly #options: TranscoderPoolOptions;
  readonly #slots: Slot[];
  #closing = false;

  constructor(options: TranscoderPoolOptions) {
    const maxSize = options.maxSize ?? options.size;
    if (!Number.isInteger(maxSize) || maxSize < options.size || options.size < 0) {
      throw new RangeError('TranscoderPool needs 0 <= size <= maxSize');
    }
    this.#options = options;
    this.#slots = Array.from({ length: maxSize }, (_, index) => ({
      name: `transcoder-${index + 1}`,
      desired: index < options.size ? 'running' : 'stopped',
      child: undefined,
      worker: undefined,
      restart: undefined,
      quickExits: 0,
    }));
  }

  start(): void {
    for (const slot of this.#slots) if (slot.desired === 'running') this.#spawn(slot);
  }

  /** The latest process of each slot that has had one (replacements included), in slot order. */
  get workers(): readonly TranscoderWorker[] {
    return this.#slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
  }

  /** Every slot and its state, as the pool port reports members. */
  members(): readonly PoolMember[] {
    return this.#slots.map((slot) => ({ id: slot.name, state: stateOf(slot) }));
  }

  /** Asks a slot to run; no-op if it is running or starting. A stopping slot restarts once it has exited. */
  startMember(id: string): void {
    const slot = this.#slot(id);
    if (slot.desired === 'running' || this.#closing) return;
    slot.desired = 'running';
    if (!slot.child) this.#spawn(slot);
  }

  /** Asks a slot to stop: SIGTERM to its worker, and no restart. No-op if it is stopped or stopping. */
  stopMember(id: string): void {
    const slot = this.#slot(id);
    if (slot.desired === 'stopped') return;
    slot.desired = 'stopped';
    clearTimeout(slot.restart);
    slot.restart = undefined;
    slot.child?.kill('SIGTERM');
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    this.#closing = true;
    const exits: Promise<unknown>[] = [];
    for (const slot of this.#slots) {
      clearTimeout(slot.restart);
      if (slot.child && slot.worker) {
        exits.push(slot.worker.exited);
        slot.child.kill('SIGTERM');
      }
    }
    const timer = setTimeout(() => {
      for (const slot of this.#slots) slot.child?.kill('SIGKILL');
    }, timeoutMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }

  #slot(id: string): Slot {
    const slot = this.#slots.find((candidate) => candidate.name === id);
    if (!slot) throw new UnknownPoolMemberError(id);
    return slot;
  }

  #spawn(slot: Slot): void {
    slot.restart = undefined;
    const startedAt = performance.now();
    // SIGTERM when the local cloud dies: the worker releases its job, as on a scale-in.
    const child = spawnChild(process.execPath, [TRANSCODER_ENTRY], {
      env: { ...this.#options.env, WORKER_ID: `${slot.name}-${Date.now().toString(36)}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      parentDeathSignal: 'SIGTERM',
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream }).on('line', (line) => this.#options.log?.(slot.name, line));
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    slot.child = child;
    slot.worker = { name: slot.name, pid: child.pid, kill: (signal) => child.kill(signal), exited };
    void exited.then(({ code, signal }) => {
      slot.child = undefined;
      if (this.#closing || slot.desired === 'stopped') return;
      const restart = restartAfterExit(
        performance.now() - startedAt,
        slot.quickExits,
        this.#options.restartDelayMs,
      );
      slot.quickExits = restart.quickExits;
      const delayMs = restart.delayMs;
      this.#options.log?.(
        slot.name,
        JSON.stringify({ level: 'warn', msg: 'worker exited; restarting', code, signal, inMs: delayMs }),
      );
      slot.restart = setTimeout(() => {
        if (!this.#closing && slot.desired === 'running' && !slot.child) this.#spawn(slot);
      }, delayMs);
      slot.restart.unref();
    });
  }
}

function stateOf(slot: Slot): PoolMemberState {
  if (slot.desired === 'running') return slot.child ? 'running' : 'starting';
  return slot.child ? 'stopping' : 'stopped';
}
