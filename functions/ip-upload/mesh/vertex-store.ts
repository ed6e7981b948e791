import type { TriangleListener } from './types.ts';
import { MeshValidationError } from './types.ts';

const INITIAL_VERTEX_CAPACITY = 1024;

/**
 * Indexed formats (OBJ, 3MF) refer to vertices by position, so they must be kept. A flat
 * Float64Array that doubles keeps them at 24 bytes each, with no object per vertex.
 */
export class VertexStore {
  readonly #maxVertices: number;
  #coordinates = new Float64Array(INITIAL_VERTEX_CAPACITY * 3);
  #count = 0;

  constructor(maxVertices: number) {
    this.#maxVertices = maxVertices;
  }

  get count(): number {
    return this.#count;
  }

  push(x: number, y: number, z: number): void {
    if (this.#count >= this.#maxVertices) throw tooManyVertices(this.#maxVertices);
    const at = this.#count * 3;
    if (at + 3 > this.#coordinates.length) this.#grow();
    this.#coordinates[at] = x;
    this.#coordinates[at + 1] = y;
    this.#coordinates[at + 2] = z;
    this.#count++;
  }

  /** Folds the triangle with vertex indices a, b, c (already bounds-checked) into `metrics`. */
  addTriangleTo(metrics: { add: TriangleListener }, a: number, b: number, c: number): void {
    const xyz = this.#coordinates;
    metrics.add(
      xyz[a * 3] ?? Number.NaN,
      xyz[a * 3 + 1] ?? Number.NaN,
      xyz[a * 3 + 2] ?? Number.NaN,
      xyz[b * 3] ?? Number.NaN,
      xyz[b * 3 + 1] ?? Number.NaN,
      xyz[b * 3 + 2] ?? Number.NaN,
      xyz[c * 3] ?? Number.NaN,
      xyz[c * 3 + 1] ?? Number.NaN,
      xyz[c * 3 + 2] ?? Number.NaN,
    );
  }

  /** Forgets the vertices but keeps the memory, for the next mesh of a 3MF package. */
  clear(): void {
    this.#count = 0;
  }

  #grow(): void {
    const capacity = Math.min(this.#coordinates.length * 2, this.#maxVertices * 3);
    const grown = new Float64Array(Math.max(capacity, this.#coordinates.length + 3));
    grown.set(this.#coordinates);
    this.#coordinates = grown;
  }
}

export function tooManyVertices(maxVertices: number): MeshValidationError {
  return new MeshValidationError(
    'too-many-vertices',
    `The model has more than ${maxVertices} vertices, the most we accept; decimate the mesh and upload again.`,
  );
}
