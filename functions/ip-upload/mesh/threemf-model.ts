import type { SaxesTagNS } from 'saxes';
import { type MeshMetricsAccumulator, nonFiniteCoordinate } from './metrics.ts';
import { parseDecimal } from './text.ts';
import { type MeshLimits, type MeshUnit, MeshValidationError } from './types.ts';
import { tooManyVertices, VertexStore } from './vertex-store.ts';
import { attribute, collapsedToken, namespacedAttribute, parseXmlPart } from './xml.ts';

export const CORE_NAMESPACE = 'http://schemas.microsoft.com/3dmanufacturing/core/2015/02';
export const PRODUCTION_NAMESPACE = 'http://schemas.microsoft.com/3dmanufacturing/production/2015/06';
/** Extensions whose additions never change the geometry we measure, so requiring them is fine. */
const UNDERSTOOD_EXTENSIONS = new Set([
  PRODUCTION_NAMESPACE,
  'http://schemas.microsoft.com/3dmanufacturing/material/2015/02',
]);
/** Each unit in millimetres, to bring a referenced part to the root part's unit. */
const UNIT_MILLIMETRES: Readonly<Record<string, number>> = {
  micron: 0.001,
  millimeter: 1,
  centimeter: 10,
  inch: 25.4,
  foot: 304.8,
  meter: 1000,
};
/** xs:nonNegativeInteger / xs:positiveInteger after whitespace collapse (a "+" is allowed). */
const UNSIGNED_INTEGER = /^\+?\d+$/;
/** ST_ResourceID and ST_ResourceIndex are below 2^31. */
const RESOURCE_NUMBER_LIMIT = 2 ** 31;

export interface ModelPartContext {
  readonly limits: MeshLimits;
  /** Shared by every part of the package: triangles are counted and measured once, together. */
  readonly metrics: MeshMetricsAccumulator;
  /** Vertices read so far in every part: the limit is on the whole package. */
  readonly vertexTotal: { count: number };
  /** Set for a part referenced by p:path: the root part's unit, to which coordinates are scaled. */
  readonly rootUnits?: MeshUnit;
}

export interface ModelPart {
  readonly units: MeshUnit;
  readonly objectIds: ReadonlySet<number>;
  /**
   * Root part only: other model parts that components and build items name with p:path
   * (Production extension), each with the object ids wanted from it.
   */
  readonly references: ReadonlyMap<string, ReadonlySet<number>>;
  /** Parts named by objects' thumbnail attributes (they need a thumbnail relationship). */
  readonly objectThumbnails: readonly string[];
}

/**
 * Reads one model part: units, required extensions, resource ids and every object's mesh, which
 * go into the shared metrics. Components and build items are not applied: metrics come from the
 * meshes as declared, without their transforms, which is what the listing shows and enough to
 * validate the file. A root part's p:path references are returned for the caller to read; a
 * referenced part may not have any (Production extension §3.2), so there is one level at most.
 */
export function readModel(bytes: Buffer, partName: string, context: ModelPartContext): ModelPart {
  const { limits, metrics, vertexTotal } = context;
  const isRoot = context.rootUnits === undefined;
  const meshVertices = new VertexStore(limits.maxVertices);
  const resourceIds = new Map<string, string>();
  const objectIds = new Set<number>();
  const references = new Map<string, Set<number>>();
  const objectThumbnails: string[] = [];
  let units: MeshUnit = 'millimeter';
  let scale = 1;
  let sawRoot = false;
  let depth = 0;
  let resourcesDepth = -1;
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
    const unit = collapsedToken(attribute(tag, 'unit')) ?? 'millimeter';
    const millimetres = UNIT_MILLIMETRES[unit];
    if (millimetres === undefined) {
      throw invalid(`unit "${unit}" is not one of ${Object.keys(UNIT_MILLIMETRES).join(', ')}`);
    }
    units = unit as MeshUnit;
    if (context.rootUnits !== undefined) scale = millimetres / (UNIT_MILLIMETRES[context.rootUnits] ?? 1);
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

  /** A resource id (ST_ResourceID): a positive integer below 2^31; undefined if it is not one. */
  const resourceNumber = (text: string | undefined): number | undefined => {
    const token = collapsedToken(text);
    if (token === undefined || !UNSIGNED_INTEGER.test(token)) return undefined;
    const value = Number(token);
    return value >= 1 && value < RESOURCE_NUMBER_LIMIT ? value : undefined;
  };

  /** Resource ids MUST be unique within the model (3MF Core §3.4.2), whatever the resource kind. */
  const readResource = (tag: SaxesTagNS) => {
    const rawId = attribute(tag, 'id');
    const isObject = tag.uri === CORE_NAMESPACE && tag.local === 'object';
    const id = resourceNumber(rawId);
    if (isObject && id === undefined) {
      throw invalid(`an <object> has id "${String(rawId).slice(0, 40)}", which is not a positive integer`);
    }
    if (rawId === undefined) return;
    const key = id === undefined ? (collapsedToken(rawId) ?? '') : String(id);
    const earlier = resourceIds.get(key);
    if (earlier !== undefined) {
      throw new MeshValidationError(
        '3mf-duplicate-resource-id',
        `The model part "${partName}" defines resource id ${key.slice(0, 40)} twice (<${earlier}> and <${tag.local}>); resource ids must be unique within a model. Export the 3MF again.`,
      );
    }
    resourceIds.set(key, tag.local);
    if (isObject && id !== undefined) {
      // Named with its part when it is not the root one, so the designer finds it.
      objectId = isRoot ? String(id) : `${id} in "/${partName}"`;
      objectIds.add(id);
      const thumbnail = attribute(tag, 'thumbnail');
      if (thumbnail !== undefined) objectThumbnails.push(partNameFromPath(thumbnail));
    }
  };

  /** p:path on a component or build item: an object in another model part. */
  const readReference = (tag: SaxesTagNS) => {
    const path = namespacedAttribute(tag, PRODUCTION_NAMESPACE, 'path');
    if (path === undefined) return;
    if (!isRoot) {
      if (tag.local === 'item') return; // a referenced part's build section is ignored
      throw invalid(
        'a component in a referenced model part names another part with p:path, which only the root model part may do',
      );
    }
    const target = partNameFromPath(path);
    if (target === partName) {
      throw invalid(`a <${tag.local}> refers to this root model part itself with p:path "${path}"`);
    }
    const id = resourceNumber(attribute(tag, 'objectid'));
    if (id === undefined) throw invalid(`a <${tag.local}> with p:path "${path}" lacks a valid objectid`);
    let wanted = references.get(target);
    if (!wanted) {
      if (references.size >= limits.maxModelParts) {
        throw new MeshValidationError(
          '3mf-too-many-parts',
          `The model refers to more than ${limits.maxModelParts} other model parts, the most we accept.`,
        );
      }
      wanted = new Set();
      references.set(target, wanted);
    }
    wanted.add(id);
  };

  const readVertex = (tag: SaxesTagNS) => {
    const x = parseDecimal(collapsedToken(attribute(tag, 'x')) ?? '');
    const y = parseDecimal(collapsedToken(attribute(tag, 'y')) ?? '');
    const z = parseDecimal(collapsedToken(attribute(tag, 'z')) ?? '');
    const where = `Vertex ${meshVertices.count} of object ${objectId}`;
    if (x === undefined || y === undefined || z === undefined)
      throw invalid(`${where} lacks numeric x, y and z`);
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) throw nonFiniteCoordinate(where);
    // The store only sees one mesh at a time; the limit is on the whole package.
    if (vertexTotal.count >= limits.maxVertices) throw tooManyVertices(limits.maxVertices);
    meshVertices.push(x * scale, y * scale, z * scale);
    vertexTotal.count++;
  };

  const readTriangle = (tag: SaxesTagNS) => {
    const where = `triangle ${triangleIndex} of object ${objectId}`;
    const corners = [attribute(tag, 'v1'), attribute(tag, 'v2'), attribute(tag, 'v3')].map((text) => {
      const token = collapsedToken(text);
      if (token === undefined || !UNSIGNED_INTEGER.test(token))
        throw invalid(`${where} lacks integer v1, v2 and v3`);
      const index = Number(token);
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
      depth++;
      if (!sawRoot) {
        sawRoot = true;
        readRoot(tag);
        return;
      }
      if (depth === resourcesDepth + 1) readResource(tag);
      // Elements of other namespaces (materials, production, ...) do not change the geometry.
      if (tag.uri !== CORE_NAMESPACE) return;
      switch (tag.local) {
        case 'resources':
          if (resourcesDepth === -1) resourcesDepth = depth;
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
        case 'component':
        case 'item':
          readReference(tag);
          return;
      }
    },
    onClose(tag) {
      depth--;
      if (tag.uri !== CORE_NAMESPACE) return;
      if (tag.local === 'vertices') inVertices = false;
      else if (tag.local === 'triangles') inTriangles = false;
      else if (tag.local === 'resources' && depth + 1 === resourcesDepth) resourcesDepth = Number.NaN;
    },
  });

  return { units, objectIds, references, objectThumbnails };
}

/**
 * A part name as the zip stores it, from an absolute OPC path ("/3D/Objects/a.model"): no
 * leading "/", percent-decoded.
 */
export function partNameFromPath(path: string): string {
  const withoutSlash = path.trim().replace(/^\/+/, '');
  try {
    return decodeURIComponent(withoutSlash);
  } catch {
    return withoutSlash;
  }
}
