import { Worker } from 'node:worker_threads';

/**
 * SHA-256 + AES-256-GCM on a worker thread, so hashing and encryption run beside validation on
 * the main thread. The worker is plain JavaScript given as source (`eval`), so the esbuild bundle
 * needs no separate worker file. Messages keep their order, so replies pair with chunks FIFO.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash, createCipheriv } = require('node:crypto');
const hash = createHash('sha256');
const gcm = createCipheriv('aes-256-gcm', Buffer.from(workerData.key), Buffer.from(workerData.iv), { authTagLength: 16 });
gcm.setAAD(Buffer.from(workerData.aad));
parentPort.on('message', (chunk) => {
  if (chunk === null) {
    const tail = gcm.final();
    parentPort.postMessage({ tail, tag: gcm.getAuthTag(), sha256: hash.digest() });
    return;
  }
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  hash.update(bytes);
  const out = gcm.update(bytes);
  parentPort.postMessage(out);
});
`;

export interface HashEncryptResult {
  readonly tail: Buffer;
  readonly authTag: Buffer;
  readonly sha256: Buffer;
}

export class HashEncryptWorker {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (value: unknown) => void; reject: (err: unknown) => void }> = [];
  private failure: unknown;

  constructor(key: Buffer, iv: Buffer, aad: Buffer) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { key, iv, aad } });
    this.worker.on('message', (message: unknown) => this.waiting.shift()?.resolve(message));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (this.waiting.length > 0) this.fail(new Error(`hash/encrypt worker exited with ${code}`));
    });
  }

  /** Resolves with the ciphertext of `chunk`; calls may overlap and resolve in order. */
  encrypt(chunk: Buffer): Promise<Buffer> {
    return this.request(chunk).then((out) => Buffer.from(out as Uint8Array));
  }

  async finish(): Promise<HashEncryptResult> {
    const result = (await this.request(null)) as { tail: Uint8Array; tag: Uint8Array; sha256: Uint8Array };
    await this.worker.terminate();
    return {
      tail: Buffer.from(result.tail),
      authTag: Buffer.from(result.tag),
      sha256: Buffer.from(result.sha256),
    };
  }

  async abort(): Promise<void> {
    await this.worker.terminate();
  }

  private request(message: Buffer | null): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }

  private fail(err: unknown): void {
    this.failure = err;
    for (const waiter of this.waiting.splice(0)) waiter.reject(err);
  }
}
