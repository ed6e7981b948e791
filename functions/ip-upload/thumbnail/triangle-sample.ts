import type { TriangleListener, Vec3 } from '../mesh/types.ts';

export type Triangle = readonly [Vec3, Vec3, Vec3];

const FLOATS_PER_TRIANGLE = 9;
// Small meshes should not pay for the full reservoir up front; it grows by doubling up to capacity.
const INITIAL_TRIANGLES = 4_096;

/**
 * An evenly spread subset of at most `capacity` triangles from a stream of unknown length, for
 * the thumbnail. It keeps every `stride`-th triangle; when full it drops every other kept one and
 * doubles the stride, so the subset always spans the whole stream and memory stays bounded. This
 * costs one mask test per triangle, where reservoir sampling drew random numbers and replaced
 * hundreds of thousands of entries for a million-triangle file (it halved validation speed).
 * Coordinates are kept as float32: ample precision for a picture, half the memory of float64.
 */
export class TriangleSample implements Iterable<Triangle> {
  readonly capacity: number;
  #coordinates: Float32Array;
  #count = 0;
  #size = 0;
  #strideMask = 0;

  constructor(capacity = 100_000) {
    if (!Number.isSafeInteger(capacity) || capacity < 2) {
      throw new RangeError(`TriangleSample capacity must be an integer of at least 2, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#coordinates = new Float32Array(Math.min(capacity, INITIAL_TRIANGLES) * FLOATS_PER_TRIANGLE);
  }

  /** Triangles offered so far. */
  get count(): number {
    return this.#count;
  }

  /** Triangles kept: min(count, capacity). */
  get size(): number {
    return this.#size;
  }

  /**
   * The kept triangles as a flat view, 9 floats each (a.xyz, b.xyz, c.xyz), for hot loops that
   * should not allocate per triangle. Valid until the next `add`.
   */
  get coordinates(): Float32Array {
    return this.#coordinates.subarray(0, this.#size * FLOATS_PER_TRIANGLE);
  }

  /**
   * Bound, so a parser can be handed `sample.add` directly. Its `run` takes a binary STL run and
   * reads only the triangles the stride keeps: a call per triangle cost the seal half as much
   * again as the validation itself. Its `expect` takes the declared count (see #expect).
   */
  readonly add: TriangleListener = Object.assign(
    (
      ax: number,
      ay: number,
      az: number,
      bx: number,
      by: number,
      bz: number,
      cx: number,
      cy: number,
      cz: number,
    ) => this.#add(ax, ay, az, bx, by, bz, cx, cy, cz),
    {
      run: (view: DataView, offset: number, count: number, stride: number) =>
        this.#addRun(view, offset, count, stride),
      expect: (triangles: number) => this.#expect(triangles),
    },
  );

  /**
   * Told the stream's length before the first triangle: starts at the stride the halvings would
   * reach and sizes the store once, so a large mesh is neither copied while growing nor halved.
   * The kept triangles are the same multiples of that stride (for an even capacity, exactly the
   * ones halving keeps).
   */
  #expect(triangles: number): void {
    if (this.#count !== 0 || triangles <= 0) return;
    let keepEvery = 1;
    while (Math.ceil(triangles / keepEvery) > this.capacity) keepEvery *= 2;
    this.#strideMask = keepEvery - 1;
    this.#ensureRoom(Math.ceil(triangles / keepEvery));
  }

  /** The same as `add` for each of the run's triangles, visiting only those it keeps. */
  #addRun(view: DataView, offset: number, count: number, stride: number): void {
    const first = this.#count;
    const end = first + count;
    // The next position the stride keeps; the stride may double while the run is read.
    let index = Math.ceil(first / (this.#strideMask + 1)) * (this.#strideMask + 1);
    while (index < end) {
      const at = offset + (index - first) * stride;
      this.#count = index;
      this.#add(
        view.getFloat32(at, true),
        view.getFloat32(at + 4, true),
        view.getFloat32(at + 8, true),
        view.getFloat32(at + 12, true),
        view.getFloat32(at + 16, true),
        view.getFloat32(at + 20, true),
        view.getFloat32(at + 24, true),
        view.getFloat32(at + 28, true),
        view.getFloat32(at + 32, true),
      );
      const keepEvery = this.#strideMask + 1;
      index = (Math.floor(index / keepEvery) + 1) * keepEvery;
    }
    this.#count = end;
  }

  #add(
    ax: number,
    ay: number,
    az: number,
    bx: number,
    by: number,
    bz: number,
    cx: number,
    cy: number,
    cz: number,
  ): void {
    const seen = this.#count++;
    if ((seen & this.#strideMask) !== 0) return;
    if (this.#size === this.capacity) this.#halve();
    this.#ensureRoom(this.#size + 1);
    const at = this.#size++ * FLOATS_PER_TRIANGLE;
    const coordinates = this.#coordinates;
    coordinates[at] = ax;
    coordinates[at + 1] = ay;
    coordinates[at + 2] = az;
    coordinates[at + 3] = bx;
    coordinates[at + 4] = by;
    coordinates[at + 5] = bz;
    coordinates[at + 6] = cx;
    coordinates[at + 7] = cy;
    coordinates[at + 8] = cz;
  }

  /** The same as `add`, for callers holding vectors (tests, small meshes). */
  addTriangle(a: Vec3, b: Vec3, c: Vec3): void {
    this.add(a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2]);
  }

  *[Symbol.iterator](): Iterator<Triangle> {
    const coordinates = this.#coordinates;
    for (let at = 0; at < this.#size * FLOATS_PER_TRIANGLE; at += FLOATS_PER_TRIANGLE) {
      const vertex = (offset: number): Vec3 => [
        coordinates[at + offset] as number,
        coordinates[at + offset + 1] as number,
        coordinates[at + offset + 2] as number,
      ];
      yield [vertex(0), vertex(3), vertex(6)];
    }
  }

  /** Keeps the triangles at even positions and doubles the stride: still evenly spread. */
  #halve(): void {
    const coordinates = this.#coordinates;
    let kept = 0;
    // Nine plain moves per triangle: a copyWithin call each cost more than the copy (tens of
    // milliseconds per halving of a 100,000-triangle sample).
    for (let from = 0; from < this.#size; from += 2) {
      const source = from * FLOATS_PER_TRIANGLE;
      const target = kept * FLOATS_PER_TRIANGLE;
      for (let i = 0; i < FLOATS_PER_TRIANGLE; i++)
        coordinates[target + i] = coordinates[source + i] as number;
      kept++;
    }
    this.#size = kept;
    this.#strideMask = this.#strideMask * 2 + 1;
  }

  #ensureRoom(triangles: number): void {
    if (triangles * FLOATS_PER_TRIANGLE <= this.#coordinates.length) return;
    const grown = Math.min(
      this.capacity,
      Math.max(triangles, 2 * (this.#coordinates.length / FLOATS_PER_TRIANGLE)),
    );
    const coordinates = new Float32Array(grown * FLOATS_PER_TRIANGLE);
    coordinates.set(this.#coordinates);
    this.#coordinates = coordinates;
  }
}
