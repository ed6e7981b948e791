import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDesignCipher, newDataKey } from '#shared/crypto/data-key.ts';
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
 * One pass over the upload: every chunk is hashed, validated and encrypted on its way into the
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
  const sealer = inThreadSealer(inspector, dataKey, aad);

  const ciphertext = new PassThrough();
  // A failed pipeline must also end the upload: the PUT would otherwise wait for the bytes the
  // declared Content-Length still promises.
  const upload = new AbortController();
  const [streamed, stored] = await Promise.allSettled([
    pipeline([body, ...sealer.transforms, ciphertext]).catch((err: unknown) => {
      upload.abort(err);
      throw err;
    }),
    store.put(target.bucket, target.key, ciphertext, {
      contentLength: head.size,
      contentType: 'application/octet-stream',
      signal: upload.signal,
    }),
  ]);
  if (streamed.status === 'rejected' || stored.status === 'rejected') {
    await sealer.abort();
    throw streamed.status === 'rejected' ? streamed.reason : (stored as PromiseRejectedResult).reason;
  }
  const metrics = inspector.end();
  const { sha256, authTag, sizeBytes } = sealer.result();
  return {
    sha256,
    sizeBytes,
    metrics,
    warnings: inspector.warnings,
    dataKey,
    iv: sealer.iv,
    authTag,
    sample,
  };
}

interface Sealer {
  readonly iv: Buffer;
  readonly transforms: Transform[];
  result(): { sha256: Buffer; authTag: Buffer; sizeBytes: number };
  abort(): Promise<void>;
}

function inThreadSealer(inspector: MeshInspector, dataKey: Buffer, aad: Buffer): Sealer {
  const hash = createHash('sha256');
  const { iv, cipher, authTag } = createDesignCipher(dataKey, aad);
  let sizeBytes = 0;
  const inspect = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        hash.update(chunk);
        inspector.write(chunk);
        sizeBytes += chunk.length;
        callback(null, chunk);
      } catch (err) {
        callback(err as Error);
      }
    },
  });
  return {
    iv,
    transforms: [inspect, cipher],
    result: () => ({ sha256: hash.digest(), authTag: authTag(), sizeBytes }),
    abort: async () => {},
  };
}
