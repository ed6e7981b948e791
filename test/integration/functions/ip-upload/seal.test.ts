import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealDesign } from '#functions/ip-upload/seal.ts';
import { createDesignDecipher } from '#shared/crypto/data-key.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { binaryStlCube } from '#test/support/design-files.ts';
import { type RunningS3Server, startS3Server } from '../../../../infra/local/s3/server.ts';

/** A valid binary STL of `count` triangles (the cube's 12, repeated), a few MB for count ~ 100k. */
function largeStl(count: number): Buffer {
  const cube = binaryStlCube(10);
  const file = Buffer.alloc(84 + 50 * count);
  cube.copy(file, 0, 0, 80);
  file.writeUInt32LE(count, 80);
  for (let i = 0; i < count; i += 1)
    cube.copy(file, 84 + i * 50, 84 + (i % 12) * 50, 84 + ((i % 12) + 1) * 50);
  return file;
}

describe('Function: sealDesign', () => {
  let dir: string;
  let s3: RunningS3Server;
  let store: ObjectStore;
  const credentials = { accessKeyId: 'SEALKEY', secretAccessKey: 'seal-secret' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fc-seal-'));
    s3 = await startS3Server({
      dataDir: dir,
      ...credentials,
      region: 'local-1',
      namespace: 'ns',
      buckets: ['incoming', 'vault'],
    });
    store = createS3ObjectStore({ endpoint: s3.endpoint, region: 'local-1', ...credentials });
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function decrypt(
    key: string,
    sealed: Awaited<ReturnType<typeof sealDesign>>,
    aad: Buffer,
  ): Promise<Buffer> {
    const { body } = await store.get('vault', key);
    const ciphertext = Buffer.concat(await body.toArray());
    const decipher = createDesignDecipher(sealed.dataKey, sealed.iv, sealed.authTag, aad);
    return Buffer.concat(await decipher.end(ciphertext).toArray());
  }

  const mode = 'seal';
  it(`hashes, validates and encrypts a 5 MB STL exactly`, async () => {
    // Prepare
    const file = largeStl(100_000);
    await store.put('incoming', `${mode}.stl`, file);
    const aad = Buffer.from(`design-${mode}`);

    // Act
    const sealed = await sealDesign(
      store,
      { bucket: 'incoming', key: `${mode}.stl` },
      { bucket: 'vault', key: mode },
      'stl',
      aad,
    );

    // Assess
    expect(sealed.sha256.toString('hex')).toBe(createHash('sha256').update(file).digest('hex'));
    expect(sealed.sizeBytes).toBe(file.length);
    expect(sealed.metrics.triangleCount).toBe(100_000);
    expect((await decrypt(mode, sealed, aad)).equals(file)).toBe(true);
    await expect(decrypt(mode, sealed, Buffer.from('another design'))).rejects.toThrow();
  });

  it(`aborts the vault write on a malformed file and keeps nothing`, async () => {
    const file = largeStl(100_000);
    file.writeFloatLE(Number.NaN, 84 + 50 * 70_000 + 16);
    await store.put('incoming', `bad-${mode}.stl`, file);

    await expect(
      sealDesign(
        store,
        { bucket: 'incoming', key: `bad-${mode}.stl` },
        { bucket: 'vault', key: `bad-${mode}` },
        'stl',
        Buffer.from('x'),
      ),
    ).rejects.toMatchObject({ code: 'non-finite-coordinate' });
    expect(await store.head('vault', `bad-${mode}`)).toBeUndefined();
  });
});
