import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MeshValidationError } from '#functions/ip-upload/mesh/types.ts';
import { openZip } from '#functions/ip-upload/mesh/zip.ts';
import { expectMeshError } from '#test/fixtures/mesh/feed.ts';
import { writeZip } from '#test/fixtures/mesh/zip-writer.ts';

const LIMITS = {
  maxZipEntries: 10,
  maxUncompressedBytes: 1024 * 1024,
  maxCompressionRatio: 100,
  compressionRatioFloorBytes: 64 * 1024,
};

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

  it('refuses an end record with Zip64 marks but no Zip64 end record', () => {
    // Prepare
    const bytes = writeZip([{ name: 'a.txt', data: 'a' }]);
    bytes.writeUInt32LE(0xffffffff, bytes.length - 22 + 16);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-invalid');

    // Assess
    expect(error.message).toContain('Zip64 end record is missing');
  });

  it('refuses a compression ratio above the cap once an entry unpacks beyond the floor', () => {
    // Prepare: 1 MB of zeros deflates about 1000-fold.
    const bytes = writeZip([{ name: 'zeros.bin', data: Buffer.alloc(1024 * 1024) }]);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-compression-ratio');

    // Assess
    expect(error.message).toContain('"zeros.bin"');
  });

  it('accepts a highly compressed entry below the floor', () => {
    // Prepare: 60 KB of zeros, far more than 100-fold but under the 64 KB floor.
    const bytes = writeZip([{ name: 'zeros.bin', data: Buffer.alloc(60 * 1024) }]);

    // Act
    const archive = openZip(bytes, LIMITS);

    // Assess
    expect(archive.read('zeros.bin').length).toBe(60 * 1024);
  });

  it('refuses many small entries that are together a bomb', () => {
    // Prepare: each entry is under the floor; the package unpacks 1000-fold past it.
    const bytes = writeZip(
      Array.from({ length: 3 }, (_, i) => ({ name: `z${i}.bin`, data: Buffer.alloc(60 * 1024) })),
    );

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-compression-ratio');

    // Assess
    expect(error.message).toContain('The package would expand');
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

describe('Function: openZip (Zip64)', () => {
  const text = 'Zip64 entry '.repeat(40);

  it.each([
    ['a Zip64 end record and locator', [{ name: 'a.txt', data: text }], { zip64End: true }],
    ['Zip64 sizes in the central directory', [{ name: 'a.txt', data: text, zip64: 'central' }], {}],
    ['Zip64 sizes in the local header only', [{ name: 'a.txt', data: text, zip64: 'local' }], {}],
    [
      'Zip64 everywhere, stored and deflated',
      [
        { name: 's.txt', data: text, method: 'store', zip64: 'both' },
        { name: 'a.txt', data: text, zip64: 'both' },
      ],
      { zip64End: true },
    ],
    [
      'a streamed entry with a Zip64 data descriptor (8-byte sizes, signature)',
      [{ name: 'a.txt', data: text, zip64: 'both', dataDescriptor: { signature: true, sizeBytes: 8 } }],
      { zip64End: true },
    ],
    [
      'a streamed entry with a 4-byte data descriptor without signature',
      [{ name: 'a.txt', data: text, dataDescriptor: { signature: false, sizeBytes: 4 } }],
      {},
    ],
  ] as const)('reads a package with %s', (_label, entries, options) => {
    // Prepare
    const bytes = writeZip(entries, options);

    // Act
    const archive = openZip(bytes, LIMITS);

    // Assess
    expect(archive.read('a.txt').toString()).toBe(text);
    expect(archive.entries.get('a.txt')?.uncompressedSize).toBe(text.length);
  });

  it('reads a package written by Python zipfile with force_zip64 and streaming', () => {
    // Prepare: a real writer, if this machine has one; the fixture is written to a pipe, so
    // every entry is streamed with a data descriptor.
    const python = spawnSync(
      'python3',
      [
        '-c',
        [
          'import sys, zipfile',
          'class Pipe:',
          '  def __init__(self, out): self.out = out',
          '  def write(self, b): return self.out.write(b)',
          '  def flush(self): self.out.flush()',
          'with zipfile.ZipFile(Pipe(sys.stdout.buffer), "w", zipfile.ZIP_DEFLATED) as z:',
          '  with z.open("a.txt", "w", force_zip64=True) as f: f.write(sys.argv[1].encode())',
          '  z.writestr("b.txt", "plain")',
        ].join('\n'),
        text,
      ],
      { encoding: 'buffer' },
    );
    if (python.error || python.status !== 0) return;

    // Act
    const archive = openZip(python.stdout, LIMITS);

    // Assess
    expect(archive.read('a.txt').toString()).toBe(text);
    expect(archive.read('b.txt').toString()).toBe('plain');
  });

  it('reads a package written by Info-ZIP with -fz (Zip64 local header, Zip64 end record)', () => {
    // Prepare: a real writer, if this machine has one. Written to a file: Info-ZIP's -fz output
    // to a pipe lacks its Zip64 end record, and unzip and Python refuse it too.
    const folder = mkdtempSync(join(tmpdir(), 'forgecast-zip64-'));
    const path = join(folder, 'a.zip');
    try {
      const zip = spawnSync('zip', ['-q', '-fz', path, '-'], { input: Buffer.from(text) });
      if (zip.error || zip.status !== 0) return;

      // Act
      const archive = openZip(readFileSync(path), LIMITS);

      // Assess
      expect(archive.read('-').toString()).toBe(text);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it.each([
    [
      'a Zip64 entry count beyond the entry limit',
      () => writeZip([{ name: 'a.txt', data: 'a' }], { zip64End: true, zip64EntryCount: 2 ** 40 }),
      'zip-too-many-entries',
      '1099511627776 files',
    ],
    [
      'a Zip64 uncompressed size beyond the unpacked limit',
      () => writeZip([{ name: 'a.txt', data: 'a', zip64: 'both', declaredSize: 2 ** 33 }]),
      'zip-too-large',
      'more than 1048576 bytes',
    ],
    [
      'a local Zip64 size that disagrees with the central one',
      () => writeZip([{ name: 'a.txt', data: text, zip64: 'both', localDeclaredSize: 2 ** 32 + 5 }]),
      'zip-header-mismatch',
      'local header of "a.txt"',
    ],
    [
      'a data descriptor that disagrees with the central directory',
      () =>
        writeZip([
          {
            name: 'a.txt',
            data: text,
            zip64: 'both',
            dataDescriptor: { signature: true, sizeBytes: 8, crc: 7 },
          },
        ]),
      'zip-header-mismatch',
      'data descriptor of "a.txt"',
    ],
  ] as const)('refuses %s', (_label, fixture, code, mentioned) => {
    // Act
    const error = expectMeshError(() => openZip(fixture(), LIMITS), code);

    // Assess
    expect(error.message).toContain(mentioned);
  });

  it('refuses a Zip64 mark whose extra field is missing', () => {
    // Prepare: the central extra field renamed to an unknown id.
    const bytes = writeZip([{ name: 'a.txt', data: text, zip64: 'central' }]);
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt16LE(0x9999, central + 46 + 'a.txt'.length);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-invalid');

    // Assess
    expect(error.message).toContain('lacks them');
  });

  it('refuses a Zip64 compressed size that overruns the archive', () => {
    // Prepare: the compressed size (second Zip64 value) made huge in both headers, so they agree.
    const bytes = writeZip([{ name: 'a.txt', data: text, zip64: 'both' }]);
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeBigUInt64LE(2n ** 40n, central + 46 + 'a.txt'.length + 4 + 8);
    bytes.writeBigUInt64LE(2n ** 40n, 30 + 'a.txt'.length + 4 + 8);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-invalid');

    // Assess
    expect(error.message).toContain('overruns');
  });

  it('refuses a Zip64 locator that points outside the file', () => {
    // Prepare
    const bytes = writeZip([{ name: 'a.txt', data: text }], { zip64End: true });
    bytes.writeBigUInt64LE(2n ** 50n, bytes.length - 22 - 20 + 8);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-invalid');

    // Assess
    expect(error.message).toContain('Zip64 locator');
  });

  it('refuses an end record and a Zip64 end record that disagree', () => {
    // Prepare: the classic record names 2 entries, the Zip64 record 1.
    const bytes = writeZip([{ name: 'a.txt', data: text }], { zip64End: true });
    bytes.writeUInt16LE(2, bytes.length - 22 + 10);

    // Act
    const error = expectMeshError(() => openZip(bytes, LIMITS), 'zip-invalid');

    // Assess
    expect(error.message).toContain('different directories');
  });

  it('answers every corrupted byte of a Zip64 archive with a MeshValidationError or the right data', () => {
    // Prepare: each byte of the archive (headers, extra fields, descriptors, end records) in
    // turn set to values that hit marks and boundaries.
    const original = writeZip(
      [
        { name: 'a.txt', data: text, zip64: 'both', dataDescriptor: { signature: true, sizeBytes: 8 } },
        { name: 'b.txt', data: text, method: 'store', zip64: 'central' },
      ],
      { zip64End: true },
    );
    const outcomes = new Set<string>();

    // Act
    for (let at = 0; at < original.length; at++) {
      for (const value of [0x00, 0xff, (original[at] ?? 0) ^ 0x01]) {
        const bytes = Buffer.from(original);
        bytes[at] = value;
        try {
          const archive = openZip(bytes, LIMITS);
          for (const name of archive.entries.keys()) expect(archive.read(name).toString()).toBe(text);
          outcomes.add('read');
        } catch (error) {
          // Assess
          expect(error).toBeInstanceOf(MeshValidationError);
          outcomes.add((error as MeshValidationError).code);
        }
      }
    }
    expect(outcomes).toContain('zip-invalid');
    expect(outcomes).toContain('zip-header-mismatch');
  });
});
