import { describe, expect, it } from 'vitest';
import type { Vec3 } from '#functions/ip-upload/mesh/types.ts';
import {
  type RasterImage,
  rasterizeThumbnail,
  renderThumbnail,
} from '#functions/ip-upload/thumbnail/render.ts';
import { type Triangle, TriangleSample } from '#functions/ip-upload/thumbnail/triangle-sample.ts';

const BACKGROUND = [245, 246, 248] as const;

/** Deterministic [0, 1) generator (mulberry32) so sampling tests are reproducible. */

/** The 12 triangles of an axis-aligned cube, outward winding, corner at `origin`. */
function cube(edge: number, origin: Vec3 = [0, 0, 0]): Triangle[] {
  const corner = (x: number, y: number, z: number): Vec3 => [
    origin[0] + x * edge,
    origin[1] + y * edge,
    origin[2] + z * edge,
  ];
  // Each face as four corners, counter-clockwise seen from outside.
  const faces: [number, number, number][][] = [
    [
      [0, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
      [1, 0, 0],
    ], // bottom
    [
      [0, 0, 1],
      [1, 0, 1],
      [1, 1, 1],
      [0, 1, 1],
    ], // top
    [
      [0, 0, 0],
      [1, 0, 0],
      [1, 0, 1],
      [0, 0, 1],
    ], // front (-Y)
    [
      [0, 1, 0],
      [0, 1, 1],
      [1, 1, 1],
      [1, 1, 0],
    ], // back (+Y)
    [
      [0, 0, 0],
      [0, 0, 1],
      [0, 1, 1],
      [0, 1, 0],
    ], // left (-X)
    [
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 1],
      [1, 0, 1],
    ], // right (+X)
  ];
  return faces.flatMap((quad) => {
    const [p, q, r, s] = quad.map(([x = 0, y = 0, z = 0]) => corner(x, y, z)) as [Vec3, Vec3, Vec3, Vec3];
    return [
      [p, q, r],
      [p, r, s],
    ] as Triangle[];
  });
}

function sampleOf(triangles: Iterable<Triangle>): TriangleSample {
  const sample = new TriangleSample();
  for (const [a, b, c] of triangles) sample.addTriangle(a, b, c);
  return sample;
}

function foregroundPixels(image: RasterImage): string[] {
  const colours: string[] = [];
  for (let at = 0; at < image.rgba.length; at += 4) {
    const rgb = [image.rgba[at], image.rgba[at + 1], image.rgba[at + 2]];
    if (rgb.some((value, channel) => value !== BACKGROUND[channel])) colours.push(rgb.join(','));
  }
  return colours;
}

/** A UV sphere of about `triangles` triangles, to time a realistic dense mesh. */
function* sphere(triangles: number, radius: number): Generator<Triangle> {
  const segments = Math.ceil(Math.sqrt(triangles / 2));
  const point = (i: number, j: number): Vec3 => {
    const theta = (Math.PI * i) / segments;
    const phi = (2 * Math.PI * j) / segments;
    return [
      radius * Math.sin(theta) * Math.cos(phi),
      radius * Math.sin(theta) * Math.sin(phi),
      radius * Math.cos(theta),
    ];
  };
  for (let i = 0; i < segments; i++) {
    for (let j = 0; j < segments; j++) {
      yield [point(i, j), point(i + 1, j), point(i + 1, j + 1)];
      yield [point(i, j), point(i + 1, j + 1), point(i, j + 1)];
    }
  }
}

describe('Thumbnail: TriangleSample', () => {
  it('keeps every triangle, in order, while under capacity', () => {
    // Prepare
    const sample = new TriangleSample(10_000);
    const triangles: Triangle[] = Array.from({ length: 5_000 }, (_, index) => [
      [index, 0, 0],
      [0, index, 0],
      [0, 0, index],
    ]);

    // Act
    for (const [a, b, c] of triangles) sample.addTriangle(a, b, c);

    // Assess
    expect(sample.count).toBe(5_000);
    expect(sample.size).toBe(5_000);
    expect([...sample]).toEqual(triangles);
    expect(sample.coordinates.length).toBe(5_000 * 9);
  });

  it('keeps at most capacity triangles, spread over the whole stream, and counts them all', () => {
    // Prepare
    const sample = new TriangleSample(100);
    const { add } = sample; // a detached listener, as a parser would hold it

    // Act
    for (let index = 0; index < 10_000; index++) add(index, index, index, index, 1, 0, index, 0, 1);

    // Assess
    expect(sample.count).toBe(10_000);
    expect(sample.size).toBeLessThanOrEqual(100);
    expect(sample.size).toBeGreaterThanOrEqual(50);
    const kept = [...sample].map(([a]) => a[0]);
    expect(new Set(kept).size).toBe(kept.length);
    for (const [a, b, c] of sample)
      expect([b, c]).toEqual([
        [a[0], 1, 0],
        [a[0], 0, 1],
      ]);
    // Evenly spread over 0..9999: equal gaps, from the start to near the end.
    const gaps = new Set(kept.slice(1).map((value, i) => value - (kept[i] as number)));
    expect(gaps.size).toBe(1);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBeGreaterThan(9_000);
  });

  it('keeps the same triangles from runs of binary STL records as from one call per triangle', () => {
    // Prepare: 10,007 records of 50 bytes (vertices 12 bytes in), cut into uneven runs so the
    // stride doubles inside a run and a run starts off the stride.
    const records = 10_007;
    const bytes = Buffer.alloc(records * 50);
    for (let index = 0; index < records; index++)
      for (let axis = 0; axis < 9; axis++) bytes.writeFloatLE(index * 10 + axis, index * 50 + 12 + axis * 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // An odd capacity: the stride then doubles on a triangle that is off the doubled stride.
    const perTriangle = new TriangleSample(101);
    const inRuns = new TriangleSample(101);
    const { run } = inRuns.add;

    // Act
    for (let index = 0; index < records; index++) {
      const at = index * 50 + 12;
      const read = (axis: number) => view.getFloat32(at + axis * 4, true);
      perTriangle.add(read(0), read(1), read(2), read(3), read(4), read(5), read(6), read(7), read(8));
    }
    for (let first = 0, length = 1; first < records; first += length, length = length * 3 + 1)
      run?.(view, first * 50 + 12, Math.min(length, records - first), 50);

    // Assess
    expect(run).toBeTypeOf('function');
    expect(inRuns.count).toBe(records);
    expect(inRuns.size).toBe(perTriangle.size);
    expect([...inRuns]).toEqual([...perTriangle]);
  });

  it('keeps the same triangles when told the count up front as when it halves on the way', () => {
    // Prepare
    const triangles = 25_013;
    const halving = new TriangleSample(1_000);
    const told = new TriangleSample(1_000);

    // Act
    told.add.expect?.(triangles);
    for (let index = 0; index < triangles; index++) {
      halving.add(index, 0, 0, 0, index, 0, 0, 0, index);
      told.add(index, 0, 0, 0, index, 0, 0, 0, index);
    }

    // Assess
    expect(told.count).toBe(triangles);
    expect(told.size).toBe(halving.size);
    expect([...told]).toEqual([...halving]);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new TriangleSample(1)).toThrow(RangeError);
    expect(() => new TriangleSample(2.5)).toThrow(RangeError);
  });
});

describe('Thumbnail: renderThumbnail', () => {
  it('draws a cube over a plausible share of the image with three distinct face shades', () => {
    // Act
    const image = rasterizeThumbnail(sampleOf(cube(10)));

    // Assess
    expect([image.width, image.height]).toEqual([256, 256]);
    const foreground = foregroundPixels(image);
    const coverage = foreground.length / (256 * 256);
    expect(coverage).toBeGreaterThan(0.15);
    expect(coverage).toBeLessThan(0.7);
    const counts = new Map<string, number>();
    for (const colour of foreground) counts.set(colour, (counts.get(colour) ?? 0) + 1);
    // Anti-aliased edges add blends; the faces are the shades each covering a real share.
    const faceShades = [...counts.values()].filter((count) => count > foreground.length * 0.1);
    expect(faceShades.length).toBeGreaterThanOrEqual(3);
  });

  it('renders a moved and rescaled copy of the mesh identically (fit to view)', () => {
    // Prepare
    const original = sampleOf(cube(10));
    const moved = sampleOf(cube(25, [100, -40, 7.5]));

    // Act
    const [first, second] = [renderThumbnail(original), renderThumbnail(moved)];

    // Assess
    expect(second.equals(first)).toBe(true);
  });

  it('shades faces the same whichever way their triangles are wound (two-sided)', () => {
    // Prepare
    const flipped = cube(10).map(([a, b, c]): Triangle => [a, c, b]);

    // Act
    const [outward, inward] = [renderThumbnail(sampleOf(cube(10))), renderThumbnail(sampleOf(flipped))];

    // Assess
    expect(inward.equals(outward)).toBe(true);
  });

  it('honours size and colours', () => {
    // Act
    const image = rasterizeThumbnail(sampleOf(cube(10)), {
      size: 64,
      background: [0, 0, 0],
      color: [255, 0, 0],
    });

    // Assess
    expect(image.rgba.length).toBe(64 * 64 * 4);
    expect([...image.rgba.subarray(0, 4)]).toEqual([0, 0, 0, 255]);
    const centre = (32 * 64 + 32) * 4;
    expect(image.rgba[centre]).toBeGreaterThan(0);
    expect([image.rgba[centre + 1], image.rgba[centre + 2]]).toEqual([0, 0]);
  });

  it('renders an empty sample as a plain placeholder that is still a valid PNG', () => {
    // Act
    const png = renderThumbnail(new TriangleSample());
    const image = rasterizeThumbnail(new TriangleSample());

    // Assess
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([256, 256, 8, 2]);
    expect(png.toString('latin1', png.length - 8, png.length - 4)).toBe('IEND');
    expect(foregroundPixels(image)).toHaveLength(0);
  });

  it('skips degenerate and non-finite triangles instead of failing', () => {
    // Prepare
    const sample = new TriangleSample();
    sample.addTriangle([1, 1, 1], [1, 1, 1], [1, 1, 1]);
    sample.addTriangle([0, 0, 0], [1, 1, 1], [2, 2, 2]);
    sample.addTriangle([0, 0, 0], [Number.NaN, 0, 0], [0, 1, 0]);

    // Act
    const image = rasterizeThumbnail(sample);

    // Assess
    expect(foregroundPixels(image)).toHaveLength(0);
  });

  it('rejects sizes and colours it cannot draw', () => {
    const sample = sampleOf(cube(1));
    expect(() => renderThumbnail(sample, { size: 0 })).toThrow(RangeError);
    expect(() => renderThumbnail(sample, { size: 100_000 })).toThrow(RangeError);
    expect(() => renderThumbnail(sample, { color: [256, 0, 0] })).toThrow(RangeError);
  });

  it('renders 200k triangles (timing printed, not asserted)', () => {
    // Prepare
    const sample = sampleOf(sphere(200_000, 30));

    // Act
    const started = performance.now();
    const png = renderThumbnail(sample);
    const elapsed = performance.now() - started;

    // Assess
    console.log(`thumbnail of ${sample.size} triangles: ${elapsed.toFixed(0)} ms, ${png.length} bytes`);
    expect(foregroundPixels(rasterizeThumbnail(sample)).length).toBeGreaterThan(0);
  });
});
