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
