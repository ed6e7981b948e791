import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDesignEncryptor, newDataKey } from '#shared/crypto/data-key.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createMeshInspector } from './mesh/inspect.ts';
import type { MeshFormat, MeshInspector, MeshMetrics, MeshWarning } from './mesh/types.ts';
import { BLOCK_BYTES, Sha256Thread } from './sha256-thread.ts';
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
  const pass = createSealPass(inspector, dataKey, aad, head.size);
  let sealed: SealedBytes | undefined;
  const seal = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        const ciphertext = pass.write(chunk);
        if (ciphertext instanceof Promise) ciphertext.then((out) => callback(null, out), callback);
        else callback(null, ciphertext);
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback) {
      pass.end().then((result) => {
        sealed = result;
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
    pass.abort();
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
  /** The last ciphertext bytes (GCM may hold some back until the end). */
  readonly tail: Buffer;
  readonly sha256: Buffer;
  readonly authTag: Buffer;
  readonly sizeBytes: number;
}

/** The seal of one design without a stream around it; sealDesign and bench/vault-seal.ts drive it. */
export interface SealPass {
  readonly iv: Buffer;
  /**
   * Validates, encrypts and hashes the next chunk and returns its ciphertext; a promise only when
   * the hashing thread is behind. Throws MeshValidationError as soon as the file is known bad.
   */
  write(chunk: Buffer): Buffer | Promise<Buffer>;
  /** Completes the tag and the fingerprint; the inspector's own end() judges the rest. */
  end(): Promise<SealedBytes>;
  /** After a failure: releases the hashing thread's share. */
  abort(): void;
}

/**
 * Validation and encryption run on this thread chunk by chunk; SHA-256 of designs larger than one
 * block runs beside them on the hashing thread (sha256-thread.ts), smaller ones here, where the
 * hand-over would cost more than it overlaps.
 */
export function createSealPass(
  inspector: MeshInspector,
  dataKey: Buffer,
  aad: Buffer,
  expectedBytes: number,
): SealPass {
  const encryptor = createDesignEncryptor(dataKey, aad);
  const offThread = expectedBytes > BLOCK_BYTES ? new Sha256Thread() : undefined;
  const inThread = offThread === undefined ? createHash('sha256') : undefined;
  let sizeBytes = 0;
  return {
    iv: encryptor.iv,
    write(chunk) {
      inspector.write(chunk);
      const ciphertext = encryptor.update(chunk);
      sizeBytes += chunk.length;
      if (inThread !== undefined) {
        inThread.update(chunk);
        return ciphertext;
      }
      const handedOver = offThread?.update(chunk);
      return handedOver === undefined ? ciphertext : handedOver.then(() => ciphertext);
    },
    async end() {
      const { tail, authTag } = encryptor.final();
      const sha256 = inThread !== undefined ? inThread.digest() : await (offThread as Sha256Thread).digest();
      return { tail, sha256, authTag, sizeBytes };
    },
    abort() {
      offThread?.abort();
    },
  };
}
