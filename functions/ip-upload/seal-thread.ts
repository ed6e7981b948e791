import { Worker } from 'node:worker_threads';

/**
 * SHA-256 and AES-256-GCM of a design on a worker thread, so they run beside validation on the
 * calling thread instead of after it (on a machine with SHA and AES instructions they are half of
 * a single-threaded seal, validation the other half).
 *
 * An earlier worker seal posted every stream chunk (64 KiB) and awaited each reply, and the
 * messaging cost more than the overlap saved. Here the bytes are copied into 1 MiB blocks that are
 * transferred, not cloned; each comes back empty for reuse with its ciphertext (also transferred).
 * So a 50 MB design costs about 50 messages each way, and at most BLOCKS_PER_JOB blocks per design
 * are in flight.
 *
 * One worker serves every design of the process (jobs are numbered); it is started on first use
 * and referenced only while a job is open, so it never keeps an idle process alive. The worker is
 * plain JavaScript given as source, so the function bundle needs no separate worker file. Its GCM
 * is built from designGcmParameters, as createDesignEncryptor builds its own.
 */
export const BLOCK_BYTES = 1024 * 1024;
/** One filling, up to three queued or being worked on: the worker never waits for bytes. */
const BLOCKS_PER_JOB = 4;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createCipheriv, createHash } = require('node:crypto');
const jobs = new Map();
const owned = (bytes) =>
  bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength ? bytes : Uint8Array.prototype.slice.call(bytes);
parentPort.on('message', (message) => {
  const { job } = message;
  if (message.open !== undefined) {
    const { key, iv, aad, authTagLength } = message.open;
    const gcm = createCipheriv('aes-256-gcm', key, iv, { authTagLength });
    gcm.setAAD(aad);
    jobs.set(job, { hash: createHash('sha256'), gcm });
  } else if (message.block !== undefined) {
    const state = jobs.get(job);
    if (state === undefined) return;
    const bytes = new Uint8Array(message.block, 0, message.length);
    state.hash.update(bytes);
    const ciphertext = owned(state.gcm.update(bytes));
    parentPort.postMessage({ job, block: message.block, ciphertext }, [message.block, ciphertext.buffer]);
  } else if (message.end) {
    const state = jobs.get(job);
    jobs.delete(job);
    const tail = state.gcm.final();
    parentPort.postMessage({ job, end: { tail, authTag: state.gcm.getAuthTag(), sha256: state.hash.digest() } });
  } else {
    jobs.delete(job);
  }
});
`;

interface Ended {
  readonly tail: Uint8Array;
  readonly authTag: Uint8Array;
  readonly sha256: Uint8Array;
}

interface JobReplies {
  blockDone(block: ArrayBuffer, ciphertext: Uint8Array): void;
  ended(end: Ended): void;
  failed(err: unknown): void;
}

interface SealWorker {
  readonly worker: Worker;
  readonly jobs: Map<number, JobReplies>;
}

let current: SealWorker | undefined;
let nextJob = 1;

function sealWorker(): SealWorker {
  if (current !== undefined) return current;
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const started: SealWorker = { worker, jobs: new Map() };
  worker.unref();
  worker.on(
    'message',
    (message: { job: number; block?: ArrayBuffer; ciphertext?: Uint8Array; end?: Ended }) => {
      const replies = started.jobs.get(message.job);
      if (message.block !== undefined) replies?.blockDone(message.block, message.ciphertext as Uint8Array);
      else if (message.end !== undefined) replies?.ended(message.end);
    },
  );
  const fail = (err: unknown) => {
    if (current === started) current = undefined;
    for (const replies of started.jobs.values()) replies.failed(err);
    started.jobs.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`The seal worker thread exited with code ${code}`)));
  current = started;
  return started;
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Feed with `update` in order, take `ciphertext` as it comes, then `end` once; `abort` on failure. */
export class SealThread {
  readonly #thread = sealWorker();
  readonly #job = nextJob++;
  readonly #free: ArrayBuffer[] = [];
  #allocated = 0;
  #block: Uint8Array | undefined;
  #filled = 0;
  #ready: Buffer[] = [];
  #waitingForBlock: (() => void) | undefined;
  #ended: ((end: Ended) => void) | undefined;
  #failure: unknown;
  #failed: ((err: unknown) => void) | undefined;

  /** `iv` and `authTagLength` from designGcmParameters. */
  constructor(dataKey: Buffer, gcm: { iv: Buffer; authTagLength: number }, aad: Buffer) {
    this.#thread.jobs.set(this.#job, {
      blockDone: (block, ciphertext) => {
        this.#ready.push(asBuffer(ciphertext));
        this.#free.push(block);
        this.#wake();
      },
      ended: (end) => this.#ended?.(end),
      failed: (err) => {
        this.#failure ??= err;
        this.#failed?.(err);
        this.#wake();
      },
    });
    if (this.#thread.jobs.size === 1) this.#thread.worker.ref();
    // Copies of exactly these bytes: a Buffer may be a view of a larger pool, which a clone would copy whole.
    const open = {
      key: Uint8Array.from(dataKey),
      iv: Uint8Array.from(gcm.iv),
      aad: Uint8Array.from(aad),
      authTagLength: gcm.authTagLength,
    };
    this.#thread.worker.postMessage({ job: this.#job, open });
  }

  /**
   * Copies `chunk` into blocks and sends each one full; the chunk may be reused once this returns
   * or resolves. Resolves later only when all blocks are still with the worker.
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

  /** The ciphertext that came back since the last call, in order. */
  ciphertext(): Buffer[] {
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  /** Sends what is left; resolves with the rest of the ciphertext, the tag and the SHA-256. */
  async end(): Promise<{ ciphertext: Buffer[]; tail: Buffer; authTag: Buffer; sha256: Buffer }> {
    if (this.#block !== undefined && this.#filled > 0) this.#send();
    try {
      const end = await new Promise<Ended>((resolve, reject) => {
        if (this.#failure !== undefined) {
          reject(this.#failure);
          return;
        }
        this.#ended = resolve;
        this.#failed = reject;
        this.#thread.worker.postMessage({ job: this.#job, end: true });
      });
      // The worker answers in order, so every block's ciphertext came before this.
      return {
        ciphertext: this.ciphertext(),
        tail: asBuffer(end.tail),
        authTag: asBuffer(end.authTag),
        sha256: asBuffer(end.sha256),
      };
    } finally {
      this.#close();
    }
  }

  /** Drops the job on the worker; safe at any point, and more than once. */
  abort(): void {
    if (!this.#thread.jobs.has(this.#job)) return;
    this.#thread.worker.postMessage({ job: this.#job });
    this.#close();
  }

  #wake(): void {
    const waiting = this.#waitingForBlock;
    this.#waitingForBlock = undefined;
    waiting?.();
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
