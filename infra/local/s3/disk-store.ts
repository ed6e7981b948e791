import { createHash, randomUUID } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidBucketName } from './bucket-name.ts';

/**
 * On-disk layout (object names never become paths, so no key can escape dataDir):
 *
 *   <dataDir>/tmp/<uuid>                                  uploads and sidecars being written
 *   <dataDir>/buckets/<bucket>/bucket.json                marks the bucket as existing
 *   <dataDir>/buckets/<bucket>/objects/<h>.json           metadata sidecar, h = sha256(bucket \n key)
 *   <dataDir>/buckets/<bucket>/objects/<h>.<version>.data the bytes of the version the sidecar names
 *
 * A put renames the finished upload to a fresh version file, then atomically replaces the
 * sidecar: readers see the old object or the new one, never a mix, and an aborted upload
 * leaves only a temp file that the next start removes. One process owns a dataDir.
 */
export interface ObjectMetadata {
  readonly key: string;
  readonly size: number;
  /** Hex MD5 without quotes. */
  readonly etag: string;
  readonly contentType: string;
  /** ISO 8601. */
  readonly lastModified: string;
  /** File name (not path) of the committed bytes inside the bucket's objects folder. */
  readonly dataFile: string;
}

export interface OpenedObject {
  readonly metadata: ObjectMetadata;
  /** The caller owns the handle and must close it (a read stream with autoClose does). */
  readonly handle: FileHandle;
}

export interface CommitResult {
  readonly metadata: ObjectMetadata;
  readonly previous: ObjectMetadata | undefined;
}

export class BucketNotFoundError extends Error {
  constructor(bucket: string) {
    super(`Bucket ${bucket} does not exist`);
    this.name = 'BucketNotFoundError';
  }
}

type BucketIndex = Map<string, ObjectMetadata>;

export interface DiskStore {
  hasBucket(bucket: string): boolean;
  bucketNames(): string[];
  createBucket(bucket: string): Promise<'created' | 'exists'>;
  newTempPath(): string;
  discardTemp(tempPath: string): Promise<void>;
  commit(bucket: string, tempPath: string, fields: Omit<ObjectMetadata, 'dataFile'>): Promise<CommitResult>;
  head(bucket: string, key: string): ObjectMetadata | undefined;
  open(bucket: string, key: string): Promise<OpenedObject | undefined>;
  delete(bucket: string, key: string): Promise<ObjectMetadata | undefined>;
  /** Every object of the bucket in S3 order (UTF-8 byte order of keys). */
  list(bucket: string): ObjectMetadata[];
}

export async function openDiskStore(dataDir: string): Promise<DiskStore> {
  const tempDir = join(dataDir, 'tmp');
  const bucketsDir = join(dataDir, 'buckets');
  // Leftovers of interrupted uploads are never visible objects; drop them.
  await rm(tempDir, { recursive: true, force: true });
  await mkdir(tempDir, { recursive: true });
  await mkdir(bucketsDir, { recursive: true });

  const buckets = new Map<string, BucketIndex>();
  for (const entry of await readdir(bucketsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !isValidBucketName(entry.name)) continue;
    const index = await loadBucket(join(bucketsDir, entry.name));
    if (index) buckets.set(entry.name, index);
  }

  const keyLocks = new Map<string, Promise<unknown>>();
  const objectsDir = (bucket: string) => join(bucketsDir, bucket, 'objects');
  const indexOf = (bucket: string): BucketIndex => {
    const index = buckets.get(bucket);
    if (!index) throw new BucketNotFoundError(bucket);
    return index;
  };

  /** Serialises commits and deletes of one key so the sidecar, index and event agree. */
  async function withKeyLock<T>(bucket: string, key: string, work: () => Promise<T>): Promise<T> {
    const lockName = objectHash(bucket, key);
    const previous = keyLocks.get(lockName) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    keyLocks.set(lockName, settled);
    try {
      return await next;
    } finally {
      if (keyLocks.get(lockName) === settled) keyLocks.delete(lockName);
    }
  }

  async function writeAtomically(path: string, content: string): Promise<void> {
    const tempPath = join(tempDir, randomUUID());
    await writeFile(tempPath, content, { flush: true });
    await rename(tempPath, path);
  }

  return {
    hasBucket: (bucket) => buckets.has(bucket),
    bucketNames: () => [...buckets.keys()].sort(),

    async createBucket(bucket) {
      if (buckets.has(bucket)) return 'exists';
      await mkdir(objectsDir(bucket), { recursive: true });
      const marker = JSON.stringify({ name: bucket, createdAt: new Date().toISOString() });
      await writeAtomically(join(bucketsDir, bucket, 'bucket.json'), marker);
      buckets.set(bucket, new Map());
      return 'created';
    },

    newTempPath: () => join(tempDir, randomUUID()),

    async discardTemp(tempPath) {
      await rm(tempPath, { force: true });
    },

    commit(bucket, tempPath, fields) {
      const index = indexOf(bucket);
      return withKeyLock(bucket, fields.key, async () => {
        const hash = objectHash(bucket, fields.key);
        const metadata: ObjectMetadata = { ...fields, dataFile: `${hash}.${randomUUID()}.data` };
        await rename(tempPath, join(objectsDir(bucket), metadata.dataFile));
        await writeAtomically(join(objectsDir(bucket), `${hash}.json`), JSON.stringify(metadata));
        const previous = index.get(fields.key);
        index.set(fields.key, metadata);
        if (previous) await removeQuietly(join(objectsDir(bucket), previous.dataFile));
        return { metadata, previous };
      });
    },

    head: (bucket, key) => indexOf(bucket).get(key),

    async open(bucket, key) {
      const index = indexOf(bucket);
      // An overwrite can remove the version we just looked up; the index then names the new one.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const metadata = index.get(key);
        if (!metadata) return undefined;
        try {
          return { metadata, handle: await open(join(objectsDir(bucket), metadata.dataFile), 'r') };
        } catch (error) {
          if (!isMissingFile(error)) throw error;
        }
      }
      return undefined;
    },

    delete(bucket, key) {
      const index = indexOf(bucket);
      return withKeyLock(bucket, key, async () => {
        const previous = index.get(key);
        if (!previous) return undefined;
        const hash = objectHash(bucket, key);
        await removeQuietly(join(objectsDir(bucket), `${hash}.json`));
        index.delete(key);
        await removeQuietly(join(objectsDir(bucket), previous.dataFile));
        return previous;
      });
    },

    list(bucket) {
      return [...indexOf(bucket).values()].sort((left, right) => compareKeys(left.key, right.key));
    },
  };
}

export function objectHash(bucket: string, key: string): string {
  return createHash('sha256').update(bucket).update('\n').update(key).digest('hex');
}

/** S3 lists keys in UTF-8 byte order, which differs from UTF-16 order for astral characters. */
export function compareKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

async function loadBucket(bucketDir: string): Promise<BucketIndex | undefined> {
  try {
    await readFile(join(bucketDir, 'bucket.json'));
  } catch (error) {
    if (isMissingFile(error)) return undefined;
    throw error;
  }
  const objectsDir = join(bucketDir, 'objects');
  await mkdir(objectsDir, { recursive: true });
  const files = await readdir(objectsDir);
  const index: BucketIndex = new Map();
  for (const file of files.filter((name) => name.endsWith('.json'))) {
    const metadata = parseMetadata(await readFile(join(objectsDir, file), 'utf8'));
    if (metadata && files.includes(metadata.dataFile)) index.set(metadata.key, metadata);
    else await removeQuietly(join(objectsDir, file));
  }
  // Version files no sidecar names come from a crash between the two renames of a commit.
  const referenced = new Set([...index.values()].map((metadata) => metadata.dataFile));
  for (const file of files.filter((name) => name.endsWith('.data') && !referenced.has(name))) {
    await removeQuietly(join(objectsDir, file));
  }
  return index;
}

function parseMetadata(text: string): ObjectMetadata | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Record<string, unknown>;
    const { key, size, etag, contentType, lastModified, dataFile } = record;
    if (
      typeof key !== 'string' ||
      typeof size !== 'number' ||
      typeof etag !== 'string' ||
      typeof contentType !== 'string' ||
      typeof lastModified !== 'string' ||
      typeof dataFile !== 'string' ||
      !/^[0-9a-f]{64}\.[0-9a-f-]{36}\.data$/.test(dataFile)
    ) {
      return undefined;
    }
    return { key, size, etag, contentType, lastModified, dataFile };
  } catch {
    return undefined;
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isMissingFile(error)) throw error;
  }
}

function isMissingFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
