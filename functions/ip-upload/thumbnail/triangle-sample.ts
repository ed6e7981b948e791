import type { TriangleListener, Vec3 } from '../mesh/types.ts';

export type Triangle = readonly [Vec3, Vec3, Vec3];

const FLOATS_PER_TRIANGLE = 9;
// Small meshes should not pay for the full reservoir up front; it grows by doubling up to capacity.
const INITIAL_TRIANGLES = 4_096;

/**
 * A uniform random sample of at most `capacity` triangles from a stream of unknown length
 * (reservoir sampling, Algorithm R). Memory stays bounded however large the upload is, and a
 * uniform sample of a dense mesh still draws its silhouette and shading well at thumbnail size.
 * Coordinates are kept as float32: ample precision for a picture, half the memory of float64.
 */
export class TriangleSample implements Iterable<Triangle> {
  readonly capacity: number;
  readonly #random: () => number;
  #coordinates: Float32Array;
  #count = 0;
  #size = 0;
  #weight = 1;
  #nextReplacement = Number.POSITIVE_INFINITY;

  /** `random` must return values in [0, 1); tests pass a seeded one for reproducible samples. */
  constructor(capacity = 200_000, random: () => number = Math.random) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`TriangleSample capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#random = random;
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

  /** Bound, so a parser can be handed `sample.add` directly. */
  readonly add: TriangleListener = (ax, ay, az, bx, by, bz, cx, cy, cz) => {
    const seen = this.#count++;
    let slot: number;
    if (seen < this.capacity) {
      slot = seen;
      this.#size = seen + 1;
      this.#ensureRoom(this.#size);
      if (this.#size === this.capacity) this.#scheduleNextReplacement();
    } else {
      // Reservoir sampling, Li's "Algorithm L": instead of a random draw per triangle, draw how
      // many to skip, so the million-triangle tail costs a comparison each.
      if (seen < this.#nextReplacement) return;
      slot = Math.floor(this.#random() * this.capacity);
      this.#scheduleNextReplacement();
    }
    const at = slot * FLOATS_PER_TRIANGLE;
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
  };

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

  #scheduleNextReplacement(): void {
    this.#weight *= Math.exp(Math.log(this.#random()) / this.capacity);
    const skip = Math.floor(Math.log(this.#random()) / Math.log(1 - this.#weight));
    const from = Math.max(this.#count, this.capacity);
    this.#nextReplacement = Number.isFinite(skip) ? from + skip : Number.POSITIVE_INFINITY;
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
