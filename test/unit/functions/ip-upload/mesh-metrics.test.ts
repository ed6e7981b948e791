import { describe, expect, it } from 'vitest';
import { MeshMetricsAccumulator } from '#functions/ip-upload/mesh/metrics.ts';
import { MeshValidationError, type Vec3 } from '#functions/ip-upload/mesh/types.ts';
import { cubeTriangles, type Triangle } from '#test/fixtures/mesh/generate.ts';

const IDENTITY = { format: 'stl', variant: 'binary', vertexCount: null, units: 'unspecified' } as const;

function measure(triangles: readonly Triangle[]) {
  const accumulator = new MeshMetricsAccumulator(1_000_000);
  for (const [[ax, ay, az], [bx, by, bz], [cx, cy, cz]] of triangles)
    accumulator.add(ax, ay, az, bx, by, bz, cx, cy, cz);
  return accumulator.finish(IDENTITY);
}

describe('Class: MeshMetricsAccumulator', () => {
  it('keeps volume and area exact for a cube far from the origin', () => {
    // Prepare
    const shift = ([x, y, z]: Vec3): Vec3 => [x + 1e6, y - 1e6, z + 5e5];
    const far = cubeTriangles().map(([a, b, c]) => [shift(a), shift(b), shift(c)] as const);

    // Act
    const metrics = measure(far);

    // Assess
    expect(metrics.volume).toBeCloseTo(1000, 6);
    expect(metrics.surfaceArea).toBeCloseTo(600, 6);
    expect(metrics.boundingBox).toEqual({ min: [1e6, -1e6, 5e5], max: [1e6 + 10, -1e6 + 10, 5e5 + 10] });
  });

  it('reports the volume as positive when the winding is inside out', () => {
    // Prepare
    const inverted = cubeTriangles().map(([a, b, c]) => [a, c, b] as const);

    // Act
    const metrics = measure(inverted);

    // Assess
    expect(metrics.volume).toBeCloseTo(1000, 9);
  });

  it('scales volume with the cube of the size and area with its square', () => {
    // Act
    const metrics = measure(cubeTriangles(2.5));

    // Assess
    expect(metrics.volume).toBeCloseTo(15.625, 12);
    expect(metrics.surfaceArea).toBeCloseTo(37.5, 12);
  });

  it('refuses to finish without triangles', () => {
    // Act
    const act = () => new MeshMetricsAccumulator(10).finish(IDENTITY);

    // Assess
    expect(act).toThrow(MeshValidationError);
  });
});
