import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMeshInspector } from '#functions/ip-upload/mesh/inspect.ts';
import { sealDesign } from '#functions/ip-upload/seal.ts';
import { TriangleSample } from '#functions/ip-upload/thumbnail/triangle-sample.ts';
import { newDataKey } from '#shared/crypto/data-key.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { startS3Server } from '../infra/local/s3/server.ts';
import { round } from './lib/stats.ts';

const TRIANGLES = Number(process.env.BENCH_TRIANGLES ?? 1_000_000);
const CHUNK = 64 * 1024;

/** A binary STL of TRIANGLES small triangles on a wavy surface (about 50 MB for 1M). */
function makeStl(): Buffer {
  const file = Buffer.alloc(84 + 50 * TRIANGLES);
  file.write('forgecast bench', 0, 'ascii');
  file.writeUInt32LE(TRIANGLES, 80);
  const side = Math.ceil(Math.sqrt(TRIANGLES / 2));
  for (let t = 0; t < TRIANGLES; t += 1) {
    const cell = t >> 1;
    const x = cell % side;
    const y = Math.floor(cell / side);
    const z = (px: number, py: number) => Math.sin(px / 7) * Math.cos(py / 9) * 3;
    const corners =
      t % 2 === 0
        ? [
            [x, y],
            [x + 1, y],
            [x, y + 1],
          ]
        : [
            [x + 1, y],
            [x + 1, y + 1],
            [x, y + 1],
          ];
    let offset = 84 + t * 50 + 12;
    for (const [px, py] of corners as [number, number][]) {
      file.writeFloatLE(px, offset);
      file.writeFloatLE(py, offset + 4);
      file.writeFloatLE(z(px, py), offset + 8);
      offset += 12;
    }
  }
  return file;
}

function timeIt(work: () => void): number {
  const started = performance.now();
  work();
  return (performance.now() - started) / 1000;
}

function chunks(file: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < file.length; i += CHUNK) out.push(file.subarray(i, i + CHUNK));
  return out;
}

export async function benchVaultSeal(): Promise<Record<string, unknown>> {
  const file = makeStl();
  const parts = chunks(file);
  const mb = file.length / 1024 / 1024;

  const sha256Only = () => {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    hash.digest();
  };
  const validateHashEncrypt = () => {
    const hash = createHash('sha256');
    const sample = new TriangleSample();
    const inspector = createMeshInspector('stl', { onTriangle: sample.add });
    // The raw GCM object, not the Transform: a stream would queue writes past its buffer and
    // encrypt them after the timer stopped.
    const gcm = createCipheriv('aes-256-gcm', newDataKey(), randomBytes(12), { authTagLength: 16 });
    gcm.setAAD(Buffer.from('bench'));
    for (const part of parts) {
      hash.update(part);
      inspector.write(part);
      gcm.update(part);
    }
    inspector.end();
    gcm.final();
  };
  // Warm up both, then take the best of three: the machine is shared.
  sha256Only();
  validateHashEncrypt();
  const baseline = Math.min(timeIt(sha256Only), timeIt(sha256Only), timeIt(sha256Only));
  const pipelineSeconds = Math.min(
    timeIt(validateHashEncrypt),
    timeIt(validateHashEncrypt),
    timeIt(validateHashEncrypt),
  );

  const dir = await mkdtemp(join(tmpdir(), 'fc-bench-vault-'));
  const credentials = { accessKeyId: 'BENCHKEY', secretAccessKey: 'bench-secret' };
  const s3 = await startS3Server({
    dataDir: dir,
    ...credentials,
    region: 'local-1',
    namespace: 'bench',
    buckets: ['incoming', 'vault'],
  });
  const store = createS3ObjectStore({ endpoint: s3.endpoint, region: 'local-1', ...credentials });
  try {
    await store.put('incoming', 'design', file, { contentType: 'model/stl' });
    let peakRss = process.memoryUsage().rss;
    const before = peakRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    await sealDesign(
      store,
      { bucket: 'incoming', key: 'design' },
      { bucket: 'vault', key: 'design.bin' },
      'stl',
      Buffer.from('d'),
    );
    const sealSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    return {
      fileMB: round(mb, 1),
      'sha256 alone (baseline) MB/s': round(mb / baseline, 0),
      'validate + sha256 + AES-GCM, in memory MB/s': round(mb / pipelineSeconds, 0),
      ratioInMemory: round(baseline / pipelineSeconds, 3),
      'sealDesign via embedded S3 (GET + PUT, disk) MB/s': round(mb / sealSeconds, 0),
      ratioEndToEnd: round(baseline / sealSeconds, 3),
      target: 'ratio >= 0.5',
      peakRssGrowthMB: round((peakRss - before) / 1024 / 1024, 1),
    };
  } finally {
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
