import type { ObjectStore } from '#shared/storage/object-store.ts';
import {
  MAX_MANIFEST_BYTES,
  type TranscodeManifest,
  transcodeManifestSchema,
} from '#shared/video/transcode-manifest.ts';
import { PackagingRejectedError } from './packaging-rejected.ts';

/** Reads a completion manifest, bounded before reading, and checks it describes `expected`. */
export async function readManifest(
  store: ObjectStore,
  bucket: string,
  key: string,
  expected: { assetId: string; attempt: number },
): Promise<TranscodeManifest | undefined> {
  const head = await store.head(bucket, key);
  if (!head) return undefined;
  if (head.size > MAX_MANIFEST_BYTES) {
    throw new PackagingRejectedError(
      'manifest_invalid',
      `the manifest is ${head.size} bytes, over the limit`,
    );
  }
  const { body } = await store.get(bucket, key);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_MANIFEST_BYTES) {
      body.destroy();
      throw new PackagingRejectedError('manifest_invalid', 'the manifest grew past the limit while reading');
    }
    chunks.push(chunk);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new PackagingRejectedError('manifest_invalid', 'the manifest is not JSON', { cause: err });
  }
  const parsed = transcodeManifestSchema.safeParse(json);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new PackagingRejectedError('manifest_invalid', `the manifest is invalid: ${reason}`);
  }
  if (parsed.data.assetId !== expected.assetId || parsed.data.attempt !== expected.attempt) {
    throw new PackagingRejectedError('manifest_invalid', 'the manifest describes another asset or attempt');
  }
  return parsed.data;
}
