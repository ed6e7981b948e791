/** What the validators produce for a model file, in the file's own units. */
export type MeshFormat = 'stl' | '3mf' | 'obj';
export type MeshUnit = 'micron' | 'millimeter' | 'centimeter' | 'inch' | 'foot' | 'meter' | 'unspecified';

export type Vec3 = readonly [number, number, number];

export interface MeshMetrics {
  readonly format: MeshFormat;
  /** STL variant or 3MF/OBJ; useful to the designer and for support. */
  readonly variant: 'binary' | 'ascii' | 'opc' | 'text';
  readonly triangleCount: number;
  /** Distinct vertices where the format indexes them (3MF, OBJ); STL repeats them per triangle. */
  readonly vertexCount: number | null;
  readonly boundingBox: { readonly min: Vec3; readonly max: Vec3 };
  readonly units: MeshUnit;
  /** Absolute enclosed volume (divergence theorem), units³; meaningful for closed meshes. */
  readonly volume: number;
  readonly surfaceArea: number;
}

/** Limits every validator enforces before and while reading, so hostile files stay cheap. */
export interface MeshLimits {
  readonly maxTriangles: number;
  readonly maxVertices: number;
  /** 3MF: zip limits. */
  readonly maxZipEntries: number;
  readonly maxUncompressedBytes: number;
  readonly maxCompressionRatio: number;
  /** 3MF: unpacked sizes up to this are exempt from the ratio check (absolute caps still apply). */
  readonly compressionRatioFloorBytes: number;
  /** 3MF Production extension: how many model parts besides the root one may be read. */
  readonly maxModelParts: number;
  /** 3MF must be parsed whole (zip central directory is at the end): the most we buffer. */
  readonly maxPackageBytes: number;
}

export const DEFAULT_MESH_LIMITS: MeshLimits = {
  maxTriangles: 20_000_000,
  maxVertices: 20_000_000,
  maxZipEntries: 1_000,
  maxUncompressedBytes: 1024 * 1024 * 1024,
  maxCompressionRatio: 100,
  compressionRatioFloorBytes: 16 * 1024 * 1024,
  maxModelParts: 256,
  maxPackageBytes: 256 * 1024 * 1024,
};

/** A rejection the designer can act on: `code` is stable for clients, `message` says what to fix. */
export class MeshValidationError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeshValidationError';
    this.code = code;
  }
}

/**
 * Something accepted but not as the specification wants it, which the designer may want to fix
 * (a thumbnail under the wrong relationship type, a part its model does not declare). `code` is
 * stable for clients, like MeshValidationError's.
 */
export interface MeshWarning {
  readonly code: string;
  readonly message: string;
}

/**
 * Receives every triangle as it is read (the thumbnail renderer samples from it). Nine numbers,
 * not three vectors: it runs once per triangle, and a million triangles should allocate nothing.
 *
 * A listener may also take `run`: binary STL then hands it each run of triangles at once (nine
 * little-endian float32 per triangle, `stride` bytes apart from `offset`, all finite) instead of
 * calling it per triangle, so one that keeps only some of them reads only those. And `expect`:
 * told how many triangles follow when the file declares it and its size confirms it (binary STL).
 */
export type TriangleListener = ((
  ax: number,
  ay: number,
  az: number,
  bx: number,
  by: number,
  bz: number,
  cx: number,
  cy: number,
  cz: number,
) => void) & {
  readonly run?: (view: DataView, offset: number, count: number, stride: number) => void;
  readonly expect?: (triangles: number) => void;
};

/**
 * A streaming inspector: feed the file's bytes in order with `write`, then `end()` validates
 * what remains and returns the metrics, or throws MeshValidationError.
 */
export interface MeshInspector {
  write(chunk: Buffer): void;
  end(): MeshMetrics;
  /** Filled while reading; complete once end() has returned. */
  readonly warnings: readonly MeshWarning[];
}
