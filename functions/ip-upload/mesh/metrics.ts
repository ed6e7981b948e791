import {
  type MeshFormat,
  type MeshMetrics,
  type MeshUnit,
  MeshValidationError,
  type TriangleListener,
} from './types.ts';

/** What the format reader knows about the file beyond its triangles. */
export interface MeshIdentity {
  readonly format: MeshFormat;
  readonly variant: MeshMetrics['variant'];
  readonly vertexCount: number | null;
  readonly units: MeshUnit;
}

/**
 * Folds triangles into count, bounding box, volume and surface area without keeping them.
 * Takes nine numbers rather than vectors so the hot binary STL path allocates nothing.
 */
export class MeshMetricsAccumulator {
  readonly #maxTriangles: number;
  readonly #onTriangle: TriangleListener | undefined;
  #triangleCount = 0;
  #minX = Number.POSITIVE_INFINITY;
  #minY = Number.POSITIVE_INFINITY;
  #minZ = Number.POSITIVE_INFINITY;
  #maxX = Number.NEGATIVE_INFINITY;
  #maxY = Number.NEGATIVE_INFINITY;
  #maxZ = Number.NEGATIVE_INFINITY;
  // Volume terms are taken relative to the first vertex instead of the world origin: for a closed
  // mesh the sum is the same, but a model placed far from the origin keeps its precision.
  #originX = 0;
  #originY = 0;
  #originZ = 0;
  #sixfoldSignedVolume = 0;
  #doubledArea = 0;

  constructor(maxTriangles: number, onTriangle?: TriangleListener) {
    this.#maxTriangles = maxTriangles;
    this.#onTriangle = onTriangle;
  }

  get triangleCount(): number {
    return this.#triangleCount;
  }

  add(
    ax: number,
    ay: number,
    az: number,
    bx: number,
    by: number,
    bz: number,
    cx: number,
    cy: number,
    cz: number,
  ) {
    if (this.#triangleCount === 0) {
      this.#originX = ax;
      this.#originY = ay;
      this.#originZ = az;
    }
    if (this.#triangleCount >= this.#maxTriangles) throw tooManyTriangles(this.#maxTriangles);
    this.#triangleCount++;
    this.#onTriangle?.(ax, ay, az, bx, by, bz, cx, cy, cz);
    this.#minX = Math.min(this.#minX, ax, bx, cx);
    this.#minY = Math.min(this.#minY, ay, by, cy);
    this.#minZ = Math.min(this.#minZ, az, bz, cz);
    this.#maxX = Math.max(this.#maxX, ax, bx, cx);
    this.#maxY = Math.max(this.#maxY, ay, by, cy);
    this.#maxZ = Math.max(this.#maxZ, az, bz, cz);

    const rax = ax - this.#originX;
    const ray = ay - this.#originY;
    const raz = az - this.#originZ;
    const rbx = bx - this.#originX;
    const rby = by - this.#originY;
    const rbz = bz - this.#originZ;
    const rcx = cx - this.#originX;
    const rcy = cy - this.#originY;
    const rcz = cz - this.#originZ;
    this.#sixfoldSignedVolume +=
      rax * (rby * rcz - rbz * rcy) + ray * (rbz * rcx - rbx * rcz) + raz * (rbx * rcy - rby * rcx);

    const ux = bx - ax;
    const uy = by - ay;
    const uz = bz - az;
    const vx = cx - ax;
    const vy = cy - ay;
    const vz = cz - az;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    this.#doubledArea += Math.sqrt(nx * nx + ny * ny + nz * nz);
  }

  /**
   * Adds `count` triangles stored as nine little-endian float32 (a.xyz, b.xyz, c.xyz) every
   * `stride` bytes from `offset`: a binary STL run, vertices 12 bytes into each 50-byte record.
   * The same figures, in the same order of operations, as calling {@link add} for each, but the
   * running figures stay in locals for the whole run instead of being read and written back on
   * the object per triangle (binary STL validation was most of the seal's time).
   * Returns how many triangles it added: fewer than `count` means the next one has a coordinate
   * that is NaN or infinite, for the caller to report with its position. A listener with `run`
   * is handed the added triangles in one call.
   */
  addFloat32Run(view: DataView, offset: number, count: number, stride: number): number {
    const maxTriangles = this.#maxTriangles;
    // A listener that takes runs gets this one after the loop instead of a call per triangle.
    const onTriangle = this.#onTriangle?.run === undefined ? this.#onTriangle : undefined;
    let triangleCount = this.#triangleCount;
    let minX = this.#minX;
    let minY = this.#minY;
    let minZ = this.#minZ;
    let maxX = this.#maxX;
    let maxY = this.#maxY;
    let maxZ = this.#maxZ;
    let originX = this.#originX;
    let originY = this.#originY;
    let originZ = this.#originZ;
    let sixfoldSignedVolume = this.#sixfoldSignedVolume;
    let doubledArea = this.#doubledArea;
    let added = 0;
    try {
      for (let at = offset; added < count; added++, at += stride) {
        const ax = view.getFloat32(at, true);
        const ay = view.getFloat32(at + 4, true);
        const az = view.getFloat32(at + 8, true);
        const bx = view.getFloat32(at + 12, true);
        const by = view.getFloat32(at + 16, true);
        const bz = view.getFloat32(at + 20, true);
        const cx = view.getFloat32(at + 24, true);
        const cy = view.getFloat32(at + 28, true);
        const cz = view.getFloat32(at + 32, true);
        // One check for nine values: a sum of float32 values cannot overflow a float64, so it is
        // non-finite exactly when one of them is NaN or infinite.
        if (!Number.isFinite(ax + ay + az + bx + by + bz + cx + cy + cz)) break;
        if (triangleCount === 0) {
          originX = ax;
          originY = ay;
          originZ = az;
        }
        if (triangleCount >= maxTriangles) throw tooManyTriangles(maxTriangles);
        triangleCount++;
        if (onTriangle !== undefined) onTriangle(ax, ay, az, bx, by, bz, cx, cy, cz);
        minX = Math.min(minX, ax, bx, cx);
        minY = Math.min(minY, ay, by, cy);
        minZ = Math.min(minZ, az, bz, cz);
        maxX = Math.max(maxX, ax, bx, cx);
        maxY = Math.max(maxY, ay, by, cy);
        maxZ = Math.max(maxZ, az, bz, cz);

        const rax = ax - originX;
        const ray = ay - originY;
        const raz = az - originZ;
        const rbx = bx - originX;
        const rby = by - originY;
        const rbz = bz - originZ;
        const rcx = cx - originX;
        const rcy = cy - originY;
        const rcz = cz - originZ;
        sixfoldSignedVolume +=
          rax * (rby * rcz - rbz * rcy) + ray * (rbz * rcx - rbx * rcz) + raz * (rbx * rcy - rby * rcx);

        const ux = bx - ax;
        const uy = by - ay;
        const uz = bz - az;
        const vx = cx - ax;
        const vy = cy - ay;
        const vz = cz - az;
        const nx = uy * vz - uz * vy;
        const ny = uz * vx - ux * vz;
        const nz = ux * vy - uy * vx;
        doubledArea += Math.sqrt(nx * nx + ny * ny + nz * nz);
      }
    } finally {
      this.#triangleCount = triangleCount;
      this.#minX = minX;
      this.#minY = minY;
      this.#minZ = minZ;
      this.#maxX = maxX;
      this.#maxY = maxY;
      this.#maxZ = maxZ;
      this.#originX = originX;
      this.#originY = originY;
      this.#originZ = originZ;
      this.#sixfoldSignedVolume = sixfoldSignedVolume;
      this.#doubledArea = doubledArea;
    }
    if (added > 0) this.#onTriangle?.run?.(view, offset, added, stride);
    return added;
  }

  /** Throws `no-triangles` when nothing was added: such a file has nothing to print. */
  finish(identity: MeshIdentity): MeshMetrics {
    if (this.#triangleCount === 0) {
      throw new MeshValidationError(
        'no-triangles',
        `The ${identity.format.toUpperCase()} file contains no triangles; export the model as a mesh with at least one face.`,
      );
    }
    return {
      ...identity,
      triangleCount: this.#triangleCount,
      boundingBox: {
        min: [this.#minX, this.#minY, this.#minZ],
        max: [this.#maxX, this.#maxY, this.#maxZ],
      },
      volume: Math.abs(this.#sixfoldSignedVolume) / 6,
      surfaceArea: this.#doubledArea / 2,
    };
  }
}

export function tooManyTriangles(maxTriangles: number): MeshValidationError {
  return new MeshValidationError(
    'too-many-triangles',
    `The model has more than ${maxTriangles} triangles, the most we accept; decimate the mesh and upload again.`,
  );
}

/** Why a coordinate is rejected, with where it is, so the designer can find it in their tool. */
export function nonFiniteCoordinate(where: string): MeshValidationError {
  return new MeshValidationError(
    'non-finite-coordinate',
    `${where} has a coordinate that is not a finite number (NaN or infinity); repair the mesh and export again.`,
  );
}
