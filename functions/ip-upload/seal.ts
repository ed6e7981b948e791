import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDesignEncryptor, newDataKey } from '#shared/crypto/data-key.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createMeshInspector } from './mesh/inspect.ts';
import type { MeshFormat, MeshInspector, MeshMetrics, MeshWarning } from './mesh/types.ts';
import { TriangleSample } from './thumbnail/triangle-sample.ts';

export interface SealResult {
  readonly sha256: Buffer;
  readonly sizeBytes: number;
  readonly metrics: MeshMetrics;
  /** Accepted, but not as the format's specification asks; recorded on the design. */
  readonly warnings: readonly MeshWarning[];
  readonly dataKey: Buffer;
  readonly iv: Buffer;
  readonly authTag: Buffer;
  readonly sample: TriangleSample;
}

/**
 * One pass over the upload: every chunk is validated, encrypted and hashed on its way into the
 * vault, so memory stays bounded whatever the file size. GCM keeps the length, so the vault PUT
 * carries an exact Content-Length. A validation error aborts the PUT and is rethrown as is.
 */
export async function sealDesign(
  store: ObjectStore,
  source: { bucket: string; key: string },
  target: { bucket: string; key: string },
  format: MeshFormat,
  /** Authenticated with the ciphertext (the design id), so a ciphertext cannot pose as another design's. */
  aad: Buffer,
): Promise<SealResult> {
  const { body, head } = await store.get(source.bucket, source.key);
  const sample = new TriangleSample();
  const inspector = createMeshInspector(format, { onTriangle: sample.add, expectedBytes: head.size });
  const dataKey = newDataKey();
  const pass = createSealPass(inspector, dataKey, aad);
  let sealed: SealedBytes | undefined;
  const seal = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const forward = () => {
        for (const ciphertext of pass.ciphertext()) this.push(ciphertext);
        callback();
      };
      try {
        pass.write(chunk);
      } catch (err) {
        callback(err as Error);
        return;
      }
      forward();
    },
    flush(callback) {
      pass.end().then((result) => {
        sealed = result;
        for (const ciphertext of result.ciphertext) this.push(ciphertext);
        callback(null, result.tail);
      }, callback);
    },
  });

  const ciphertext = new PassThrough();
  // A failed pipeline must also end the upload: the PUT would otherwise wait for the bytes the
  // declared Content-Length still promises.
  const upload = new AbortController();
  const [streamed, stored] = await Promise.allSettled([
    pipeline([body, seal, ciphertext]).catch((err: unknown) => {
      upload.abort(err);
      throw err;
    }),
    store.put(target.bucket, target.key, ciphertext, {
      contentLength: head.size,
      contentType: 'application/octet-stream',
      signal: upload.signal,
    }),
  ]);
  if (streamed.status === 'rejected' || stored.status === 'rejected' || sealed === undefined) {
    throw streamed.status === 'rejected'
      ? streamed.reason
      : stored.status === 'rejected'
        ? stored.reason
        : new Error('The seal stream ended without its result');
  }
  // Only now, with the PUT settled: a 3MF is judged at its end, and a rejection must come after
  // the object is whole so the caller's delete cannot race the store finishing it.
  const metrics = inspector.end();
  return {
    sha256: sealed.sha256,
    sizeBytes: sealed.sizeBytes,
    metrics,
    warnings: inspector.warnings,
    dataKey,
    iv: pass.iv,
    authTag: sealed.authTag,
    sample,
  };
}

export interface SealedBytes {
  /** Ciphertext not yet taken with ciphertext(), then the last bytes GCM held back. */
  readonly ciphertext: readonly Buffer[];
  readonly tail: Buffer;
  readonly sha256: Buffer;
  readonly authTag: Buffer;
  readonly sizeBytes: number;
}

/** The seal of one design without a stream around it; sealDesign and bench/vault-seal.ts drive it. */
export interface SealPass {
  readonly iv: Buffer;
  /** Validates, encrypts and hashes the next chunk; throws MeshValidationError as soon as the file is known bad. */
  write(chunk: Buffer): void;
  /** The ciphertext ready since the last call, in order. */
  ciphertext(): Buffer[];
  /** Completes the ciphertext, the tag and the fingerprint; the inspector's own end() judges the rest. */
  end(): Promise<SealedBytes>;
}

/**
 * Validation, encryption and SHA-256 run on this thread, each chunk once through all three. A
 * worker thread for the hash and the cipher was measured (bench/vault-seal.ts): on this 2-core
 * machine its hand-over cost more than the overlap gained (0.33-0.35 of SHA-256's MB/s against
 * 0.36-0.40 here, quiet machine, same runs), and a function gets at most one core's share anyway.
 */
export function createSealPass(inspector: MeshInspector, dataKey: Buffer, aad: Buffer): SealPass {
  let sizeBytes = 0;
  const encryptor = createDesignEncryptor(dataKey, aad);
  const hash = createHash('sha256');
  let ready: Buffer[] = [];
  const ciphertext = () => {
    const taken = ready;
    ready = [];
    return taken;
  };
  return {
    iv: encryptor.iv,
    write(chunk) {
      inspector.write(chunk);
      ready.push(encryptor.update(chunk));
      hash.update(chunk);
      sizeBytes += chunk.length;
    },
    ciphertext,
    async end() {
      const { tail, authTag } = encryptor.final();
      return { ciphertext: ciphertext(), tail, sha256: hash.digest(), authTag, sizeBytes };
    },
  };
}
