import { describe, expect, it } from 'vitest';
import {
  expectMeshError,
  inspectInChunks,
  inspectWhole,
  randomChunkSizes,
} from '#test/fixtures/mesh/feed.ts';
import {
  cubeObjWithContinuedFaces,
  cubeObjWithNegativeIndices,
  cubeObjWithQuads,
  objWithOutOfRangeIndex,
  objWithoutFaces,
} from '#test/fixtures/mesh/generate.ts';

describe('Function: createMeshInspector (OBJ)', () => {
  it.each([
    ['quads using every index form', cubeObjWithQuads, 8],
    ['negative (relative) indices', cubeObjWithNegativeIndices, 24],
  ])('measures the 10 mm cube written with %s', (_label, fixture, vertexCount) => {
    // Act
    const metrics = inspectWhole('obj', fixture());

    // Assess
    expect(metrics).toMatchObject({
      format: 'obj',
      variant: 'text',
      triangleCount: 12,
      vertexCount,
      units: 'unspecified',
      boundingBox: { min: [0, 0, 0], max: [10, 10, 10] },
    });
    expect(metrics.volume).toBeCloseTo(1000, 9);
    expect(metrics.surfaceArea).toBeCloseTo(600, 9);
  });

  it('gives the same metrics fed one byte at a time or in random chunks', () => {
    // Prepare
    const bytes = cubeObjWithQuads();
    const whole = inspectWhole('obj', bytes);

    // Act
    const byteByByte = inspectInChunks('obj', bytes, () => 1);
    const chunked = [11, 12, 13].map((seed) => inspectInChunks('obj', bytes, randomChunkSizes(seed, 13)));

    // Assess
    expect(byteByByte).toEqual(whole);
    for (const metrics of chunked) expect(metrics).toEqual(whole);
  });

  it('calls onTriangle once per triangle of the fan', () => {
    // Prepare
    let calls = 0;

    // Act
    const metrics = inspectWhole('obj', cubeObjWithQuads(), { onTriangle: () => calls++ });

    // Assess
    expect(calls).toBe(metrics.triangleCount);
  });

  it('rejects an index beyond the vertices defined so far, with the line number', () => {
    // Act
    const error = expectMeshError(
      () => inspectWhole('obj', objWithOutOfRangeIndex()),
      'obj-index-out-of-range',
    );

    // Assess
    expect(error.message).toContain('Line 10');
    expect(error.message).toContain('vertex 9');
    expect(error.message).toContain('8 vertices');
  });

  it.each([
    ['index 0', 'f 0 1 2'],
    ['a negative index reaching before the first vertex', 'f -1 -2 -9'],
  ])('rejects %s', (_label, face) => {
    // Prepare
    const bytes = Buffer.from(
      `v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nv 1 1 1\nv 2 2 2\nv 3 3 3\nv 4 4 4\n${face}\n`,
    );

    // Act
    const error = expectMeshError(() => inspectWhole('obj', bytes), 'obj-index-out-of-range');

    // Assess
    expect(error.message).toContain('Line 9');
  });

  it('rejects a file without faces', () => {
    // Act
    const error = expectMeshError(() => inspectWhole('obj', objWithoutFaces()), 'no-triangles');

    // Assess
    expect(error.message).toContain('OBJ');
  });

  it.each([
    ['a vertex with two coordinates', 'v 1 2\n', 'obj-syntax'],
    ['a face with two corners', 'v 0 0 0\nv 1 0 0\nf 1 2\n', 'obj-syntax'],
    ['a face with a non-numeric index', 'v 0 0 0\nf a b c\n', 'obj-syntax'],
    ['a NaN coordinate', 'v 0 nan 0\n', 'non-finite-coordinate'],
  ])('rejects %s', (_label, text, code) => {
    // Act
    const error = expectMeshError(() => inspectWhole('obj', Buffer.from(text)), code);

    // Assess
    expect(error.message).toMatch(/Line \d/);
  });

  it('reads face lines continued with a trailing backslash, in any chunking', () => {
    // Prepare: the cube's quads, each split over two or three lines.
    const bytes = cubeObjWithContinuedFaces();
    const whole = inspectWhole('obj', bytes);

    // Act
    const byteByByte = inspectInChunks('obj', bytes, () => 1);

    // Assess
    expect(whole).toMatchObject({ triangleCount: 12, boundingBox: { min: [0, 0, 0], max: [10, 10, 10] } });
    expect(whole.volume).toBeCloseTo(1000, 9);
    expect(byteByByte).toEqual(whole);
  });

  it('does not let a comment ending in a backslash swallow the next statement', () => {
    // Prepare
    const bytes = Buffer.from('v 0 0 0\nv 1 0 0\nv 0 1 0\n# a note \\\nf 1 2 3\n');

    // Act
    const metrics = inspectWhole('obj', bytes);

    // Assess
    expect(metrics.triangleCount).toBe(1);
  });

  it('names the first line of a continued statement in errors', () => {
    // Prepare
    const bytes = Buffer.from('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 \\\n 2 \\\n 9\n');

    // Act
    const error = expectMeshError(() => inspectWhole('obj', bytes), 'obj-index-out-of-range');

    // Assess
    expect(error.message).toContain('Line 4');
  });

  it('bounds a statement continued without end', () => {
    // Prepare: 100 000 lines of "1 \\" after an "f".
    const bytes = Buffer.from(`v 0 0 0\nf \\\n${'1 \\\n'.repeat(100_000)}`);

    // Act
    const error = expectMeshError(() => inspectWhole('obj', bytes), 'line-too-long');

    // Assess
    expect(error.message).toContain('line 2');
  });

  it('enforces the vertex limit while reading', () => {
    // Prepare
    const bytes = Buffer.from('v 0 0 0\n'.repeat(11));

    // Act
    const error = expectMeshError(
      () => inspectWhole('obj', bytes, { limits: { maxVertices: 10 } }),
      'too-many-vertices',
    );

    // Assess
    expect(error.message).toContain('10 vertices');
  });
});
