import { describe, expect, it } from 'vitest';
import { createMeshInspector } from '#functions/ip-upload/mesh/inspect.ts';
import { MeshValidationError, type Vec3 } from '#functions/ip-upload/mesh/types.ts';
import {
  expectMeshError,
  inspectInChunks,
  inspectWhole,
  randomChunkSizes,
} from '#test/fixtures/mesh/feed.ts';
import {
  binaryStlHeaderOnly,
  binaryStlWithNaN,
  binaryStlWithTrailingGarbage,
  cubeAsciiStl,
  cubeAsciiStlWithOddWhitespace,
  cubeBinaryStl,
  cubeBinaryStlWithSolidHeader,
  largeBinaryStl,
  malformedAsciiStl,
  truncatedBinaryStl,
} from '#test/fixtures/mesh/generate.ts';

const CUBE_BOX = { min: [0, 0, 0], max: [10, 10, 10] };

describe('Function: createMeshInspector (STL)', () => {
  it.each([
    ['binary', cubeBinaryStl, 'binary'],
    ['binary whose header starts with "solid"', cubeBinaryStlWithSolidHeader, 'binary'],
    ['ASCII', cubeAsciiStl, 'ascii'],
    ['ASCII with CRLF, tabs and upper-case keywords', cubeAsciiStlWithOddWhitespace, 'ascii'],
  ] as const)('measures the 10 mm cube written as %s STL', (_label, fixture, variant) => {
    // Act
    const metrics = inspectWhole('stl', fixture());

    // Assess
    expect(metrics).toMatchObject({
      format: 'stl',
      variant,
      triangleCount: 12,
      vertexCount: null,
      units: 'unspecified',
      boundingBox: CUBE_BOX,
    });
    expect(metrics.volume).toBeCloseTo(1000, 9);
    expect(metrics.surfaceArea).toBeCloseTo(600, 9);
  });

  it.each([
    ['binary', cubeBinaryStl],
    ['ASCII', cubeAsciiStl],
    ['ASCII with CRLF', cubeAsciiStlWithOddWhitespace],
  ])('gives the same metrics for %s STL fed one byte at a time or in random chunks', (_label, fixture) => {
    // Prepare
    const bytes = fixture();
    const whole = inspectWhole('stl', bytes);

    // Act
    const byteByByte = inspectInChunks('stl', bytes, () => 1);
    const chunked = [1, 2, 3, 4, 5].map((seed) => inspectInChunks('stl', bytes, randomChunkSizes(seed)));

    // Assess
    expect(byteByByte).toEqual(whole);
    for (const metrics of chunked) expect(metrics).toEqual(whole);
  });

  it('calls onTriangle once per triangle with the vertices as read', () => {
    // Prepare
    const seen: Array<readonly [Vec3, Vec3, Vec3]> = [];

    // Act
    const metrics = inspectInChunks('stl', cubeBinaryStl(), randomChunkSizes(7), {
      onTriangle: (ax, ay, az, bx, by, bz, cx, cy, cz) =>
        seen.push([
          [ax, ay, az],
          [bx, by, bz],
          [cx, cy, cz],
        ]),
    });

    // Assess
    expect(seen).toHaveLength(metrics.triangleCount);
    expect(seen[0]).toEqual([
      [0, 0, 0],
      [0, 10, 0],
      [10, 10, 0],
    ]);
  });

  it('rejects a truncated binary STL, saying the expected and the actual size', () => {
    // Act
    const error = expectMeshError(() => inspectWhole('stl', truncatedBinaryStl()), 'stl-size-mismatch');

    // Assess
    expect(error.message).toContain('must be 684 bytes, but it is 654 bytes');
    expect(error.message).toContain('truncated');
  });

  it('rejects a binary STL with trailing bytes', () => {
    // Act
    const error = expectMeshError(
      () => inspectWhole('stl', binaryStlWithTrailingGarbage()),
      'stl-size-mismatch',
    );

    // Assess
    expect(error.message).toContain('must be 684 bytes, but it is 691 bytes');
    expect(error.message).toContain('trailing');
  });

  it('rejects a NaN coordinate, naming the triangle', () => {
    // Act
    const error = expectMeshError(() => inspectWhole('stl', binaryStlWithNaN()), 'non-finite-coordinate');

    // Assess
    expect(error.message).toContain('Triangle 5');
  });

  it('rejects a triangle count beyond the limit as soon as the header is written, when the size is known', () => {
    // Prepare
    const inspector = createMeshInspector('stl', {
      limits: { maxTriangles: 1000 },
      expectedBytes: 84 + 50 * 1001,
    });

    // Act
    const act = () => inspector.write(binaryStlHeaderOnly(1001));

    // Assess
    expect(act).toThrow(MeshValidationError);
    const error = expectMeshError(() => inspector.end(), 'too-many-triangles');
    expect(error.message).toContain('1000 triangles');
  });

  it('rejects a triangle count beyond the limit at the end when the size agrees with it', () => {
    // Prepare: a header declaring 1001 triangles, followed by 1001 zeroed triangles.
    const bytes = Buffer.concat([binaryStlHeaderOnly(1001), Buffer.alloc(50 * 1001)]);

    // Act
    const error = expectMeshError(
      () => inspectWhole('stl', bytes, { limits: { maxTriangles: 1000 } }),
      'too-many-triangles',
    );

    // Assess
    expect(error.message).toContain('1000 triangles');
  });

  it.each([
    ['size unknown', undefined],
    ['size known in advance', 64 * 1024],
  ])(
    'rejects a random file declared as STL as a size mismatch, not a mesh too large (%s)',
    (_label, expectedBytes) => {
      // Prepare: 64 KB of deterministic noise whose bytes 80-83 read as a huge triangle count.
      const next = randomChunkSizes(42, 256);
      const bytes = Buffer.from(Array.from({ length: 64 * 1024 }, () => next() - 1));
      bytes.writeUInt32LE(0xdeadbeef, 80);
      const inspector = createMeshInspector('stl', expectedBytes === undefined ? {} : { expectedBytes });

      // Act
      const error = expectMeshError(() => {
        inspector.write(bytes);
        inspector.end();
      }, 'stl-size-mismatch');

      // Assess
      expect(error.message).toContain('does not match the file size');
      expect(error.message).toContain('not a binary STL');
      expect(error.message).not.toContain('decimate');
    },
  );

  it('rejects a binary STL declaring no triangles', () => {
    // Act
    const error = expectMeshError(() => inspectWhole('stl', binaryStlHeaderOnly(0)), 'no-triangles');

    // Assess
    expect(error.message).toContain('0 triangles');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['shorter than a header', Buffer.from([1, 2, 3])],
  ])('rejects an %s file', (_label, bytes) => {
    // Act
    const error = expectMeshError(() => inspectWhole('stl', bytes), 'stl-size-mismatch');

    // Assess
    expect(error.message).toContain('too short');
  });

  it('rejects malformed ASCII STL with the line number, even when the line is split across chunks', () => {
    // Act
    const error = expectMeshError(() => inspectInChunks('stl', malformedAsciiStl(), () => 3), 'stl-syntax');

    // Assess
    expect(error.message).toContain('Line 4');
    expect(error.message).toContain('vertex 0 0');
  });

  it('rejects ASCII STL that stops before endsolid', () => {
    // Prepare
    const text = cubeAsciiStl().toString();
    const cut = Buffer.from(text.slice(0, text.lastIndexOf('endsolid')));

    // Act
    const error = expectMeshError(() => inspectWhole('stl', cut), 'stl-syntax');

    // Assess
    expect(error.message).toContain('endsolid');
  });

  it('rejects an ASCII "inf" coordinate as non-finite', () => {
    // Prepare
    const bytes = Buffer.from(cubeAsciiStl().toString().replace('vertex 0 0 0', 'vertex 0 inf 0'));

    // Act
    const error = expectMeshError(() => inspectWhole('stl', bytes), 'non-finite-coordinate');

    // Assess
    expect(error.message).toContain('Line 4');
  });

  it('rejects an over-long ASCII line', () => {
    // Prepare
    const bytes = Buffer.from(`solid ${'x'.repeat(10_000)}\n`);

    // Act
    const error = expectMeshError(() => inspectInChunks('stl', bytes, () => 512), 'line-too-long');

    // Assess
    expect(error.message).toContain('Line 1');
  });

  it('keeps rethrowing the first error after a failure', () => {
    // Prepare
    const inspector = createMeshInspector('stl', {
      limits: { maxTriangles: 1 },
      expectedBytes: cubeBinaryStl().length,
    });
    const first = (() => {
      try {
        inspector.write(cubeBinaryStl());
      } catch (error) {
        return error;
      }
    })();

    // Act
    const act = () => inspector.end();

    // Assess
    expect(first).toBeInstanceOf(MeshValidationError);
    expect(act).toThrow(first as Error);
  });

  it('reads a 200k-triangle binary STL quickly (time printed, not asserted)', () => {
    // Prepare
    const triangles = 200_000;
    const bytes = largeBinaryStl(triangles);

    // Act
    const started = performance.now();
    const metrics = inspectInChunks('stl', bytes, () => 64 * 1024 + 7);
    const elapsedMs = performance.now() - started;

    // Assess
    expect(metrics.triangleCount).toBe(triangles);
    const megabytesPerSecond = bytes.length / 1e6 / (elapsedMs / 1000);
    console.log(
      `binary STL: ${triangles} triangles (${(bytes.length / 1e6).toFixed(1)} MB) in ${elapsedMs.toFixed(1)} ms, ${megabytesPerSecond.toFixed(0)} MB/s`,
    );
  });
});
