import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDesignCipher, newDataKey } from '../../shared/crypto/data-key.ts';
import type { ObjectStore } from '../../shared/storage/object-store.ts';
import { createMeshInspector } from './mesh/inspect.ts';
import type { MeshFormat, MeshMetrics } from './mesh/types.ts';
import { TriangleSample } from './thumbnail/triangle-sample.ts';

export interface SealResult {
  readonly sha256: Buffer;
  readonly sizeBytes: number;
  readonly metrics: MeshMetrics;
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
  const hash = createHash('sha256');
  const sample = new TriangleSample();
  const inspector = createMeshInspector(format, { onTriangle: sample.add });
  const dataKey = newDataKey();
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
  const ciphertext = new PassThrough();
  const [streamed, stored] = await Promise.allSettled([
    pipeline(body, inspect, cipher, ciphertext),
    store.put(target.bucket, target.key, ciphertext, {
      contentLength: head.size,
      contentType: 'application/octet-stream',
    }),
  ]);
  if (streamed.status === 'rejected') throw streamed.reason;
  if (stored.status === 'rejected') throw stored.reason;

  const metrics = inspector.end();
  return { sha256: hash.digest(), sizeBytes, metrics, dataKey, iv, authTag: authTag(), sample };
}
