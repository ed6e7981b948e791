import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openZip } from '../../functions/ip-upload/mesh/zip.ts';
import { expectMeshError } from '../fixtures/mesh/feed.ts';
import { writeZip } from '../fixtures/mesh/zip-writer.ts';

const LIMITS = { maxZipEntries: 10, maxUncompressedBytes: 1024 * 1024, maxCompressionRatio: 100 };

describe('Function: openZip', () => {
  it('lists entries and reads stored and deflated ones back', () => {
    // Prepare
    const text = 'hello 3MF '.repeat(50);
    const bytes = writeZip([
      { name: 'a.txt', data: text, method: 'store' },
      { name: 'dir/b.txt', data: text, method: 'deflate' },
    ]);

    // Act
    const archive = openZip(bytes, LIMITS);

    // Assess
    expect([...archive.entries.keys()]).toEqual(['a.txt', 'dir/b.txt']);
    expect(archive.read('a.txt').toString()).toBe(text);
    expect(archive.read('dir/b.txt').toString()).toBe(text);
    expect(archive.entries.get('dir/b.txt')?.crc32).toBe(crc32(text));
  });

  it('finds the end record behind an archive comment', () => {
    // Prepare
    const zip = writeZip([{ name: 'a.txt', data: 'a' }]);
    const comment = Buffer.from('made by a test');
    zip.writeUInt16LE(comment.length, zip.length - 2);

    // Act
    const archive = openZip(Buffer.concat([zip, comment]), LIMITS);

    // Assess
    expect(archive.read('a.txt').toString()).toBe('a');
  });

  it('refuses a lying size only when the entry is read (entries are inflated lazily)', () => {
    // Prepare
    const bytes = writeZip([
      { name: 'ok.txt', data: 'fine' },
      { name: 'liar.bin', data: Buffer.alloc(10_000), declaredSize: 1000 },
    ]);
    const archive = openZip(bytes, LIMITS);

    // Act
    const error = expectMeshError(() => archive.read('liar.bin'), 'zip-corrupt-entry');

    // Assess
    expect(error.message).toContain('liar.bin');
    expect(archive.read('ok.txt').toString()).toBe('fine');
  });

  it('refuses an entry whose data fails its CRC', () => {
    // Prepare
    const bytes = writeZip([{ name: 'a.txt', data: 'abcdef', method: 'store' }]);
    bytes[30 + 'a.txt'.length] = 'z'.charCodeAt(0);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS).read('a.txt'), 'zip-corrupt-entry');

    // Assess
    expect(error.message).toContain('CRC-32');
  });

  it.each([['/etc/passwd'], ['C:/evil'], ['a\\..\\evil'], ['a/../../evil']])(
    'refuses the entry name %s',
    (name) => {
      // Act
      const error = expectMeshError(
        () => openZip(writeZip([{ name, data: 'x' }]), LIMITS),
        'zip-unsafe-entry-name',
      );

      // Assess
      expect(error.message).toContain('relative paths');
    },
  );

  it('refuses a declared total beyond maxUncompressedBytes before inflating anything', () => {
    // Prepare
    const bytes = writeZip([
      { name: 'a.bin', data: Buffer.alloc(600 * 1024), method: 'store' },
      { name: 'b.bin', data: Buffer.alloc(600 * 1024), method: 'store' },
    ]);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-too-large');

    // Assess
    expect(error.message).toContain(String(LIMITS.maxUncompressedBytes));
  });

  it('refuses a Zip64 archive', () => {
    // Prepare
    const bytes = writeZip([{ name: 'a.txt', data: 'a' }]);
    bytes.writeUInt32LE(0xffffffff, bytes.length - 22 + 16);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-unsupported');

    // Assess
    expect(error.message).toContain('Zip64');
  });

  it('refuses a compression method other than stored or deflate', () => {
    // Prepare
    const bytes = writeZip([{ name: 'a.txt', data: 'a', method: 'store' }]);
    const central = bytes.length - 22 - 46 - 'a.txt'.length;
    bytes.writeUInt16LE(12, central + 10);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-unsupported');

    // Assess
    expect(error.message).toContain('method 12');
  });

  it('refuses a truncated archive', () => {
    // Prepare
    const bytes = writeZip([{ name: 'a.txt', data: 'a' }]);

    // Act
    const error = expectMeshError(() => openZip(bytes.subarray(0, bytes.length - 5), LIMITS), 'zip-invalid');

    // Assess
    expect(error.message).toContain('end of central directory');
  });
});
