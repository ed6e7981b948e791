import type { SaxesTagNS } from 'saxes';
import { MeshMetricsAccumulator, nonFiniteCoordinate } from './metrics.ts';
import { parseDecimal } from './text.ts';
import {
  type MeshLimits,
  type MeshMetrics,
  type MeshUnit,
  MeshValidationError,
  type TriangleListener,
} from './types.ts';
import { tooManyVertices, VertexStore } from './vertex-store.ts';
import { attribute, parseXmlPart } from './xml.ts';

const CORE_NAMESPACE = 'http://schemas.microsoft.com/3dmanufacturing/core/2015/02';
/** Extensions whose additions never change the geometry we measure, so requiring them is fine. */
const UNDERSTOOD_EXTENSIONS = new Set([
  'http://schemas.microsoft.com/3dmanufacturing/production/2015/06',
  'http://schemas.microsoft.com/3dmanufacturing/material/2015/02',
]);
const UNITS: Readonly<Record<string, MeshUnit>> = {
  micron: 'micron',
  millimeter: 'millimeter',
  centimeter: 'centimeter',
  inch: 'inch',
  foot: 'foot',
  meter: 'meter',
};
const VERTEX_INDEX = /^\d+$/;

/**
 * Reads the model part: units, required extensions, and every object's mesh. Components and build
 * items are accepted but not applied: metrics come from the meshes as declared, without their
 * transforms, which is what the listing shows and enough to validate the file.
 */
export function readModel(
  bytes: Buffer,
  partName: string,
  limits: MeshLimits,
  onTriangle?: TriangleListener,
): MeshMetrics {
  const metrics = new MeshMetricsAccumulator(limits.maxTriangles, onTriangle);
  const meshVertices = new VertexStore(limits.maxVertices);
  let units: MeshUnit = 'millimeter';
  let sawRoot = false;
  let totalVertices = 0;
  let objectId = '?';
  let inVertices = false;
  let inTriangles = false;
  let triangleIndex = 0;

  const invalid = (reason: string) =>
    new MeshValidationError('3mf-invalid-model', `The model part "${partName}" is not valid 3MF: ${reason}.`);

  const readRoot = (tag: SaxesTagNS) => {
    if (tag.local !== 'model' || tag.uri !== CORE_NAMESPACE) {
      throw invalid(`its root element must be <model> in namespace ${CORE_NAMESPACE}`);
    }
    const unit = attribute(tag, 'unit') ?? 'millimeter';
    const known = UNITS[unit];
    if (!known) throw invalid(`unit "${unit}" is not one of ${Object.keys(UNITS).join(', ')}`);
    units = known;
    for (const prefix of (attribute(tag, 'requiredextensions') ?? '').split(/\s+/).filter(Boolean)) {
      const namespace = tag.ns[prefix];
      if (namespace === undefined) {
        throw invalid(`requiredextensions names prefix "${prefix}", which is not declared on <model>`);
      }
      if (!UNDERSTOOD_EXTENSIONS.has(namespace)) {
        throw new MeshValidationError(
          '3mf-unsupported-extension',
          `The model requires the 3MF extension ${namespace}, which we cannot read; export it without that extension.`,
        );
      }
    }
  };

  const readVertex = (tag: SaxesTagNS) => {
    const x = parseDecimal(attribute(tag, 'x') ?? '');
    const y = parseDecimal(attribute(tag, 'y') ?? '');
    const z = parseDecimal(attribute(tag, 'z') ?? '');
    const where = `Vertex ${meshVertices.count} of object ${objectId}`;
    if (x === undefined || y === undefined || z === undefined)
      throw invalid(`${where} lacks numeric x, y and z`);
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) throw nonFiniteCoordinate(where);
    // The store only sees one mesh at a time; the limit is on the whole model.
    if (totalVertices >= limits.maxVertices) throw tooManyVertices(limits.maxVertices);
    meshVertices.push(x, y, z);
    totalVertices++;
  };

  const readTriangle = (tag: SaxesTagNS) => {
    const where = `triangle ${triangleIndex} of object ${objectId}`;
    const corners = [attribute(tag, 'v1'), attribute(tag, 'v2'), attribute(tag, 'v3')].map((text) => {
      if (text === undefined || !VERTEX_INDEX.test(text))
        throw invalid(`${where} lacks integer v1, v2 and v3`);
      const index = Number(text);
      if (index >= meshVertices.count) {
        throw new MeshValidationError(
          '3mf-index-out-of-range',
          `In the model, ${where} refers to vertex ${index}, but the object has ${meshVertices.count} vertices; repair the mesh and export again.`,
        );
      }
      return index;
    });
    const [a = 0, b = 0, c = 0] = corners;
    if (a === b || b === c || a === c) {
      throw new MeshValidationError(
        '3mf-degenerate-triangle',
        `In the model, ${where} uses the same vertex twice (${a}, ${b}, ${c}); repair the mesh and export again.`,
      );
    }
    meshVertices.addTriangleTo(metrics, a, b, c);
    triangleIndex++;
  };

  parseXmlPart(bytes, partName, {
    onOpen(tag) {
      if (!sawRoot) {
        sawRoot = true;
        readRoot(tag);
        return;
      }
      // Elements of other namespaces (materials, production, ...) do not change the geometry.
      if (tag.uri !== CORE_NAMESPACE) return;
      switch (tag.local) {
        case 'object':
          objectId = attribute(tag, 'id') ?? '?';
          return;
        case 'mesh':
          meshVertices.clear();
          triangleIndex = 0;
          return;
        case 'vertices':
          inVertices = true;
          return;
        case 'triangles':
          inTriangles = true;
          return;
        case 'vertex':
          if (!inVertices) throw invalid(`a <vertex> of object ${objectId} is outside <vertices>`);
          readVertex(tag);
          return;
        case 'triangle':
          if (!inTriangles) throw invalid(`a <triangle> of object ${objectId} is outside <triangles>`);
          readTriangle(tag);
          return;
      }
    },
    onClose(tag) {
      if (tag.uri !== CORE_NAMESPACE) return;
      if (tag.local === 'vertices') inVertices = false;
      else if (tag.local === 'triangles') inTriangles = false;
    },
  });

  return metrics.finish({ format: '3mf', variant: 'opc', vertexCount: totalVertices, units });
}
