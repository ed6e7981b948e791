import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of a design on a worker thread, so the fingerprint is computed beside validation and
 * encryption on the calling thread instead of after them (on a machine with SHA extensions the
 * hash alone is a third of a single-threaded seal).
 *
 * An earlier worker seal posted every stream chunk (64 KiB) and waited for its ciphertext, and the
 * messaging cost more than the overlap saved. Here the bytes are copied into 1 MiB blocks that are
 * transferred, not cloned, and come back empty for reuse; only the digest is answered. So a 50 MB
 * design costs about 50 messages each way, and memory stays at BLOCKS_PER_JOB blocks per design.
 *
 * One worker serves every design of the process (jobs are numbered); it is started on first use
 * and referenced only while a job is open, so it never keeps an idle process alive. The worker is
 * plain JavaScript given as source, so the function bundle needs no separate worker file.
 */
export const BLOCK_BYTES = 1024 * 1024;
/** One filling, up to three queued or being hashed: the hashing thread never waits for bytes. */
const BLOCKS_PER_JOB = 4;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (message) => {
  const { job } = message;
  if (message.block !== undefined) {
    let hash = hashes.get(job);
    if (hash === undefined) hashes.set(job, (hash = createHash('sha256')));
    hash.update(new Uint8Array(message.block, 0, message.length));
    parentPort.postMessage({ job, block: message.block }, [message.block]);
  } else if (message.digest) {
    const hash = hashes.get(job) ?? createHash('sha256');
    hashes.delete(job);
    parentPort.postMessage({ job, digest: hash.digest() });
  } else {
    hashes.delete(job);
  }
});
`;

interface JobReplies {
  blockReturned(block: ArrayBuffer): void;
  digested(digest: Uint8Array): void;
  failed(err: unknown): void;
}

interface HashThread {
  readonly worker: Worker;
  readonly jobs: Map<number, JobReplies>;
}

let thread: HashThread | undefined;
let nextJob = 1;

function hashThread(): HashThread {
  if (thread !== undefined) return thread;
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const started: HashThread = { worker, jobs: new Map() };
  worker.unref();
  worker.on('message', (message: { job: number; block?: ArrayBuffer; digest?: Uint8Array }) => {
    const replies = started.jobs.get(message.job);
    if (message.block !== undefined) replies?.blockReturned(message.block);
    else if (message.digest !== undefined) replies?.digested(message.digest);
  });
  const fail = (err: unknown) => {
    if (thread === started) thread = undefined;
    for (const replies of started.jobs.values()) replies.failed(err);
    started.jobs.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`The SHA-256 worker thread exited with code ${code}`)));
  thread = started;
  return started;
}

/** Feed with `update` in order, then `digest` once; `abort` instead when the seal fails. */
export class Sha256Thread {
  readonly #thread = hashThread();
  readonly #job = nextJob++;
  readonly #free: ArrayBuffer[] = [];
  #allocated = 0;
  #block: Uint8Array | undefined;
  #filled = 0;
  #waitingForBlock: (() => void) | undefined;
  #digested: ((digest: Buffer) => void) | undefined;
  #failure: unknown;
  #failed: ((err: unknown) => void) | undefined;

  constructor() {
    this.#thread.jobs.set(this.#job, {
      blockReturned: (block) => {
        this.#free.push(block);
        const waiting = this.#waitingForBlock;
        this.#waitingForBlock = undefined;
        waiting?.();
      },
      digested: (digest) =>
        this.#digested?.(Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength)),
      failed: (err) => {
        this.#failure ??= err;
        this.#failed?.(err);
        const waiting = this.#waitingForBlock;
        this.#waitingForBlock = undefined;
        waiting?.();
      },
    });
    if (this.#thread.jobs.size === 1) this.#thread.worker.ref();
  }

  /**
   * Copies `chunk` into blocks and sends each one full; the chunk may be reused once this returns
   * or resolves. Resolves later only when all blocks are still with the hashing thread.
   */
  update(chunk: Uint8Array): Promise<void> | undefined {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#block === undefined) {
        const block = this.#free.pop() ?? (this.#allocated < BLOCKS_PER_JOB ? this.#allocate() : undefined);
        if (block === undefined) {
          const rest = chunk.subarray(offset);
          return new Promise<void>((resolve) => {
            this.#waitingForBlock = resolve;
          }).then(() => this.update(rest));
        }
        this.#block = new Uint8Array(block);
        this.#filled = 0;
      }
      const copied = Math.min(chunk.length - offset, BLOCK_BYTES - this.#filled);
      this.#block.set(chunk.subarray(offset, offset + copied), this.#filled);
      this.#filled += copied;
      offset += copied;
      if (this.#filled === BLOCK_BYTES) this.#send();
    }
    return undefined;
  }

  async digest(): Promise<Buffer> {
    if (this.#block !== undefined && this.#filled > 0) this.#send();
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        if (this.#failure !== undefined) {
          reject(this.#failure);
          return;
        }
        this.#digested = resolve;
        this.#failed = reject;
        this.#thread.worker.postMessage({ job: this.#job, digest: true });
      });
    } finally {
      this.#close();
    }
  }

  /** Drops the job's state on the worker; safe to call at any point, and more than once. */
  abort(): void {
    if (!this.#thread.jobs.has(this.#job)) return;
    this.#thread.worker.postMessage({ job: this.#job });
    this.#close();
  }

  #allocate(): ArrayBuffer {
    this.#allocated++;
    return new ArrayBuffer(BLOCK_BYTES);
  }

  #send(): void {
    const block = this.#block as Uint8Array;
    this.#thread.worker.postMessage({ job: this.#job, block: block.buffer, length: this.#filled }, [
      block.buffer as ArrayBuffer,
    ]);
    this.#block = undefined;
    this.#filled = 0;
  }

  #close(): void {
    this.#thread.jobs.delete(this.#job);
    if (this.#thread.jobs.size === 0) this.#thread.worker.unref();
  }
}
