import { MeshMetricsAccumulator, nonFiniteCoordinate } from './metrics.ts';
import { LineSplitter, parseDecimal } from './text.ts';
import { type MeshInspector, type MeshLimits, MeshValidationError, type TriangleListener } from './types.ts';
import { VertexStore } from './vertex-store.ts';

/** Generous: a face line lists every corner of a polygon. */
const MAX_OBJ_LINE_BYTES = 64 * 1024;
const INTEGER = /^-?\d+$/;

/**
 * Wavefront OBJ, streamed line by line. Only `v` and `f` matter for the metrics; every other
 * statement (vt, vn, g, o, s, usemtl, mtllib, l, ...) is skipped, as are comments. Faces refer
 * to vertices by 1-based or negative (relative) index, so vertices are kept; polygons are split
 * into a fan of triangles.
 */
export function createObjInspector(limits: MeshLimits, onTriangle?: TriangleListener): MeshInspector {
  const vertices = new VertexStore(limits.maxVertices);
  const metrics = new MeshMetricsAccumulator(limits.maxTriangles, onTriangle);
  const corners: number[] = [];

  const readVertex = (tokens: string[], lineNumber: number) => {
    // x y z, optionally w, or the common "x y z r g b" vertex-colour extension.
    if (tokens.length < 4 || tokens.length > 8) throw syntaxError(lineNumber, '"v <x> <y> <z>"');
    const x = parseDecimal(tokens[1] ?? '');
    const y = parseDecimal(tokens[2] ?? '');
    const z = parseDecimal(tokens[3] ?? '');
    if (x === undefined || y === undefined || z === undefined) {
      throw syntaxError(lineNumber, '"v <x> <y> <z>" with decimal numbers');
    }
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
      throw nonFiniteCoordinate(`Line ${lineNumber}`);
    }
    vertices.push(x, y, z);
  };

  const readFace = (tokens: string[], lineNumber: number) => {
    if (tokens.length < 4) throw syntaxError(lineNumber, '"f" with at least three vertices');
    corners.length = 0;
    for (let i = 1; i < tokens.length; i++) {
      const reference = tokens[i] ?? '';
      const slash = reference.indexOf('/');
      const indexText = slash === -1 ? reference : reference.slice(0, slash);
      if (!INTEGER.test(indexText))
        throw syntaxError(lineNumber, '"f" with vertex indices like 3, 3/1, 3//2 or 3/1/2');
      const index = Number(indexText);
      const resolved = index < 0 ? vertices.count + index : index - 1;
      if (index === 0 || resolved < 0 || resolved >= vertices.count) {
        throw new MeshValidationError(
          'obj-index-out-of-range',
          `Line ${lineNumber} refers to vertex ${index}, but only ${vertices.count} vertices are defined before it; re-export the model.`,
        );
      }
      corners.push(resolved);
    }
    const first = corners[0] ?? 0;
    for (let k = 1; k + 1 < corners.length; k++) {
      const second = corners[k] ?? 0;
      const third = corners[k + 1] ?? 0;
      vertices.addTriangleTo(metrics, first, second, third);
    }
  };

  const readStatement = (statement: string, lineNumber: number) => {
    const hash = statement.indexOf('#');
    const content = (hash === -1 ? statement : statement.slice(0, hash)).trim();
    if (content === '') return;
    const tokens = content.split(/\s+/);
    if (tokens[0] === 'v') readVertex(tokens, lineNumber);
    else if (tokens[0] === 'f') readFace(tokens, lineNumber);
  };

  // A line ending in a backslash continues on the next one (long face lines are written so);
  // a comment line never does, so it cannot swallow the statement after it. The joined statement
  // is held to the same length bound as a single line, and errors name the line it starts on.
  let continued = '';
  let continuedFrom = 0;
  const lines = new LineSplitter(MAX_OBJ_LINE_BYTES, (line, lineNumber) => {
    const trimmed = line.trimEnd();
    const joined = continued === '' ? line : `${continued} ${line}`;
    if (continued === '') continuedFrom = lineNumber;
    if (joined.length > MAX_OBJ_LINE_BYTES) {
      throw new MeshValidationError(
        'line-too-long',
        `The statement starting on line ${continuedFrom} is continued past ${MAX_OBJ_LINE_BYTES} bytes; the file is probably not an OBJ file.`,
      );
    }
    if (trimmed.endsWith('\\') && !(continued === '' && trimmed.trimStart().startsWith('#'))) {
      continued = continued === '' ? trimmed.slice(0, -1) : `${continued} ${trimmed.slice(0, -1)}`;
      return;
    }
    continued = '';
    readStatement(joined, continuedFrom);
  });

  return {
    warnings: [],
    write(chunk) {
      lines.write(chunk);
    },
    end() {
      lines.end();
      if (continued !== '') readStatement(continued, continuedFrom);
      return metrics.finish({
        format: 'obj',
        variant: 'text',
        vertexCount: vertices.count,
        units: 'unspecified',
      });
    },
  };
}

function syntaxError(lineNumber: number, expected: string): MeshValidationError {
  return new MeshValidationError('obj-syntax', `Line ${lineNumber} of the OBJ file should be ${expected}.`);
}
