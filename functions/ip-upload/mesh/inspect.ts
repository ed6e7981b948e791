import { createObjInspector } from './obj.ts';
import { createStlInspector } from './stl.ts';
import { createThreeMfInspector } from './threemf.ts';
import {
  DEFAULT_MESH_LIMITS,
  type MeshFormat,
  type MeshInspector,
  type MeshLimits,
  type TriangleListener,
} from './types.ts';

export interface MeshInspectorOptions {
  /** Overrides some of DEFAULT_MESH_LIMITS. */
  readonly limits?: Partial<MeshLimits>;
  readonly onTriangle?: TriangleListener;
  /**
   * The file's size, when known before reading (the stored object's length): a binary STL whose
   * header disagrees with it is refused at the header instead of after the last byte.
   */
  readonly expectedBytes?: number;
}

/**
 * A streaming validator for one model file. Errors are MeshValidationError with a stable `code`:
 * - any format: `no-triangles`, `too-many-triangles`, `too-many-vertices`, `non-finite-coordinate`,
 *   `line-too-long` (ASCII STL, OBJ)
 * - STL: `stl-size-mismatch`, `stl-syntax`; OBJ: `obj-syntax`, `obj-index-out-of-range`
 * - 3MF package: `package-too-large`, `zip-invalid`, `zip-unsupported`, `zip-too-many-entries`,
 *   `zip-too-large`, `zip-compression-ratio`, `zip-unsafe-entry-name`, `zip-header-mismatch`,
 *   `zip-corrupt-entry`, `3mf-content-types`, `3mf-relationship`
 * - 3MF model: `3mf-malformed-xml`, `3mf-doctype`, `3mf-invalid-model`, `3mf-unsupported-extension`,
 *   `3mf-index-out-of-range`, `3mf-degenerate-triangle`, `3mf-duplicate-resource-id`,
 *   `3mf-too-many-parts` (Production extension p:path parts)
 * Once it has thrown, the inspector rethrows the same error: a half-read file has no metrics.
 * Accepted files may carry `warnings` (3MF: `3mf-thumbnail-relationship-type`,
 * `3mf-thumbnail-missing`, `3mf-thumbnail-content-type`, `3mf-part-relationship-missing`,
 * `3mf-more-warnings`).
 */
export function createMeshInspector(format: MeshFormat, options: MeshInspectorOptions = {}): MeshInspector {
  const limits: MeshLimits = { ...DEFAULT_MESH_LIMITS, ...options.limits };
  const inspector = pickInspector(format, limits, options);
  let failure: unknown;
  let hasFailed = false;
  const guard = <T>(step: () => T): T => {
    if (hasFailed) throw failure;
    try {
      return step();
    } catch (error) {
      hasFailed = true;
      failure = error;
      throw error;
    }
  };
  return {
    write: (chunk) => guard(() => inspector.write(chunk)),
    end: () => guard(() => inspector.end()),
    get warnings() {
      return inspector.warnings;
    },
  };
}

function pickInspector(format: MeshFormat, limits: MeshLimits, options: MeshInspectorOptions): MeshInspector {
  switch (format) {
    case 'stl':
      return createStlInspector(limits, options.onTriangle, options.expectedBytes);
    case 'obj':
      return createObjInspector(limits, options.onTriangle);
    case '3mf':
      return createThreeMfInspector(limits, options.onTriangle);
  }
}
