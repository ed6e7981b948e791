import { MeshMetricsAccumulator } from './metrics.ts';
import { type ModelPart, partNameFromPath, readModel } from './threemf-model.ts';
import {
  type MeshInspector,
  type MeshLimits,
  type MeshMetrics,
  MeshValidationError,
  type MeshWarning,
  type TriangleListener,
} from './types.ts';
import { attribute, parseXmlPart } from './xml.ts';
import { openZip, type ZipArchive } from './zip.ts';

const CONTENT_TYPES_PART = '[Content_Types].xml';
const ROOT_RELATIONSHIPS_PART = '_rels/.rels';
const MODEL_RELATIONSHIP_TYPE = 'http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel';
const THUMBNAIL_RELATIONSHIP_TYPE =
  'http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail';
const MODEL_CONTENT_TYPE = 'application/vnd.ms-package.3dmanufacturing-3dmodel+xml';
/** Package relationships that may target any part, images included, without meaning a thumbnail. */
const NOT_THUMBNAIL_TYPES = new Set([
  MODEL_RELATIONSHIP_TYPE,
  'http://schemas.openxmlformats.org/package/2006/relationships/mustpreserve',
]);
/** 3MF Core §2.1.3: thumbnails MUST be JPEG or PNG. */
const IMAGE_CONTENT_TYPES = new Set(['image/png', 'image/jpeg']);
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg']);
/** Warnings are stored with the design: a crafted package with thousands of images gets a few and a count. */
const MAX_WARNINGS = 20;

/**
 * 3MF is an OPC zip package, whose central directory sits at the end, so the upload is buffered
 * (up to maxPackageBytes) and read at end(): content types, the root relationship to the model
 * part, the model itself, then the model parts it names with p:path (Production extension).
 * What the specification requires but the geometry does not need (thumbnail relationships, a
 * referenced part's relationship) is reported as a warning rather than a rejection.
 */
export function createThreeMfInspector(limits: MeshLimits, onTriangle?: TriangleListener): MeshInspector {
  const chunks: Buffer[] = [];
  const warnings: MeshWarning[] = [];
  let receivedBytes = 0;
  return {
    warnings,
    write(chunk) {
      receivedBytes += chunk.length;
      if (receivedBytes > limits.maxPackageBytes) {
        throw new MeshValidationError(
          'package-too-large',
          `The 3MF package is larger than ${limits.maxPackageBytes} bytes, the most we accept.`,
        );
      }
      chunks.push(Buffer.from(chunk));
    },
    end(): MeshMetrics {
      const archive = openZip(Buffer.concat(chunks, receivedBytes), limits);
      chunks.length = 0;
      const contentTypes = readContentTypes(archive);
      const rootRelationships = readRelationships(archive, ROOT_RELATIONSHIPS_PART, '');
      if (!rootRelationships) {
        throw new MeshValidationError(
          '3mf-relationship',
          `The package has no "${ROOT_RELATIONSHIPS_PART}", so the model cannot be found; export the 3MF again.`,
        );
      }
      const modelPart = findModelPart(archive, rootRelationships);
      checkModelContentType(contentTypes, modelPart);
      const found: MeshWarning[] = thumbnailWarnings(archive, contentTypes, rootRelationships, 'The package');
      const metrics = readModels(archive, modelPart, { limits, contentTypes, warnings: found, onTriangle });
      warnings.push(...found.slice(0, MAX_WARNINGS));
      if (found.length > MAX_WARNINGS) {
        warnings.push({
          code: '3mf-more-warnings',
          message: `${found.length - MAX_WARNINGS} more warnings like the ones above were not recorded.`,
        });
      }
      return metrics;
    },
  };
}

interface PackageContext {
  readonly limits: MeshLimits;
  readonly contentTypes: ContentTypes;
  readonly warnings: MeshWarning[];
  readonly onTriangle: TriangleListener | undefined;
}

/**
 * The root model part, then each part its components and build items name with p:path, once
 * each: at most maxModelParts of them, one level deep (a referenced part may not reference
 * further), never the root part itself, and every object asked for must be in its part.
 */
function readModels(archive: ZipArchive, rootPart: string, context: PackageContext): MeshMetrics {
  const { limits, contentTypes, warnings } = context;
  const metrics = new MeshMetricsAccumulator(limits.maxTriangles, context.onTriangle);
  const vertexTotal = { count: 0 };
  const root = readModel(archive.read(rootPart), rootPart, { limits, metrics, vertexTotal });

  const modelRelationshipsPart = relationshipsPartOf(rootPart);
  const modelRelationships = readRelationships(archive, modelRelationshipsPart, rootPart) ?? [];
  warnings.push(...objectThumbnailWarnings(archive, root, modelRelationships, rootPart));
  for (const [part, objectIds] of root.references) {
    if (!archive.entries.has(part)) {
      throw new MeshValidationError(
        '3mf-relationship',
        `The model refers with p:path to "/${part}", which is not in the package; export the 3MF again.`,
      );
    }
    checkModelContentType(contentTypes, part);
    const related = modelRelationships.some((r) => r.type === MODEL_RELATIONSHIP_TYPE && r.target === part);
    if (!related) {
      warnings.push({
        code: '3mf-part-relationship-missing',
        message: `The model part "/${part}" is used through p:path but "/${modelRelationshipsPart}" has no 3dmodel relationship to it, as OPC and the Production extension require; it was read anyway.`,
      });
    }
    const referenced = readModel(archive.read(part), part, {
      limits,
      metrics,
      vertexTotal,
      rootUnits: root.units,
    });
    if (referenced.objectThumbnails.length > 0) {
      const partRelationships = readRelationships(archive, relationshipsPartOf(part), part) ?? [];
      warnings.push(...objectThumbnailWarnings(archive, referenced, partRelationships, part));
    }
    for (const id of objectIds) {
      if (!referenced.objectIds.has(id)) {
        throw new MeshValidationError(
          '3mf-invalid-model',
          `The model refers with p:path to object ${id} in "/${part}", which has no object with that id; export the 3MF again.`,
        );
      }
    }
  }
  return metrics.finish({ format: '3mf', variant: 'opc', vertexCount: vertexTotal.count, units: root.units });
}

interface Relationship {
  readonly type: string;
  /** The target as a zip entry name, resolved against the source part's folder. */
  readonly target: string;
  readonly rawTarget: string;
}

/** `undefined` when the package has no such relationships part. */
function readRelationships(
  archive: ZipArchive,
  relationshipsPart: string,
  sourcePart: string,
): Relationship[] | undefined {
  if (!archive.entries.has(relationshipsPart)) return undefined;
  const relationships: Relationship[] = [];
  parseXmlPart(archive.read(relationshipsPart), relationshipsPart, {
    onOpen(tag) {
      if (tag.local !== 'Relationship' || attribute(tag, 'TargetMode') === 'External') return;
      const rawTarget = attribute(tag, 'Target') ?? '';
      relationships.push({
        type: attribute(tag, 'Type') ?? '',
        target: resolveTarget(sourcePart, rawTarget),
        rawTarget,
      });
    },
  });
  return relationships;
}

/** OPC: the relationships of "3D/3dmodel.model" live in "3D/_rels/3dmodel.model.rels". */
function relationshipsPartOf(part: string): string {
  const slash = part.lastIndexOf('/');
  return `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
}

/** A relative target is resolved against the folder of the part that holds the relationship. */
function resolveTarget(sourcePart: string, target: string): string {
  if (target.startsWith('/')) return partNameFromPath(target);
  const folder = sourcePart.includes('/') ? sourcePart.slice(0, sourcePart.lastIndexOf('/') + 1) : '';
  const segments: string[] = [];
  for (const segment of `${folder}${partNameFromPath(target)}`.split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '.' && segment !== '') segments.push(segment);
  }
  return segments.join('/');
}

/** The part the root relationship of type 3dmodel points at; it must exist. */
function findModelPart(archive: ZipArchive, relationships: readonly Relationship[]): string {
  const model = relationships.find((r) => r.type === MODEL_RELATIONSHIP_TYPE);
  if (model === undefined) {
    throw new MeshValidationError(
      '3mf-relationship',
      `"${ROOT_RELATIONSHIPS_PART}" has no relationship of type ${MODEL_RELATIONSHIP_TYPE}, so the model cannot be found; export the 3MF again.`,
    );
  }
  if (!archive.entries.has(model.target)) {
    throw new MeshValidationError(
      '3mf-relationship',
      `The model relationship points at "${model.rawTarget}", which is not in the package; export the 3MF again.`,
    );
  }
  return model.target;
}

interface ContentTypes {
  /** OPC: an Override for the part name wins over a Default for its extension; both compare case-insensitively. */
  of(part: string): string | undefined;
}

function readContentTypes(archive: ZipArchive): ContentTypes {
  if (!archive.entries.has(CONTENT_TYPES_PART)) {
    throw new MeshValidationError(
      '3mf-content-types',
      `The package has no "${CONTENT_TYPES_PART}"; it is not a valid 3MF. Export it again.`,
    );
  }
  const overrides = new Map<string, string>();
  const defaults = new Map<string, string>();
  parseXmlPart(archive.read(CONTENT_TYPES_PART), CONTENT_TYPES_PART, {
    onOpen(tag) {
      const contentType = attribute(tag, 'ContentType');
      if (contentType === undefined) return;
      const partName = attribute(tag, 'PartName');
      const extension = attribute(tag, 'Extension');
      if (tag.local === 'Override' && partName !== undefined)
        overrides.set(partName.toLowerCase(), contentType);
      else if (tag.local === 'Default' && extension !== undefined)
        defaults.set(extension.toLowerCase(), contentType);
    },
  });
  return {
    of: (part) => overrides.get(`/${part}`.toLowerCase()) ?? defaults.get(extensionOf(part)),
  };
}

function extensionOf(part: string): string {
  const name = part.slice(part.lastIndexOf('/') + 1);
  return name.includes('.') ? (name.split('.').pop() ?? '').toLowerCase() : '';
}

function checkModelContentType(contentTypes: ContentTypes, modelPart: string): void {
  const contentType = contentTypes.of(modelPart);
  if (contentType === undefined) {
    throw new MeshValidationError(
      '3mf-content-types',
      `"${CONTENT_TYPES_PART}" gives no content type for the model part "/${modelPart}"; export the 3MF again.`,
    );
  }
  if (contentType !== MODEL_CONTENT_TYPE) {
    throw new MeshValidationError(
      '3mf-content-types',
      `The model part "/${modelPart}" has content type "${contentType}" instead of ${MODEL_CONTENT_TYPE}; export the 3MF again.`,
    );
  }
}

function isImage(contentTypes: ContentTypes, part: string): boolean {
  const contentType = contentTypes.of(part);
  return contentType === undefined
    ? IMAGE_EXTENSIONS.has(extensionOf(part))
    : IMAGE_CONTENT_TYPES.has(contentType);
}

/**
 * The package thumbnail: a relationship of the thumbnail type whose target exists and is a JPEG
 * or PNG. When there is none but an image is related under another type (a texture type, a
 * misspelt one), that image is taken for a mistyped thumbnail. Images under other types beside a
 * proper thumbnail are left alone: slicers relate extra plate previews under their own types.
 */
function thumbnailWarnings(
  archive: ZipArchive,
  contentTypes: ContentTypes,
  relationships: readonly Relationship[],
  holder: string,
): MeshWarning[] {
  const warnings: MeshWarning[] = [];
  const thumbnails = relationships.filter((r) => r.type === THUMBNAIL_RELATIONSHIP_TYPE);
  for (const relationship of thumbnails) {
    const shown = `/${relationship.target}`;
    if (!archive.entries.has(relationship.target)) {
      warnings.push({
        code: '3mf-thumbnail-missing',
        message: `${holder} names the thumbnail "${shown}", which is not in the package; it was ignored.`,
      });
    } else if (!isImage(contentTypes, relationship.target)) {
      warnings.push({
        code: '3mf-thumbnail-content-type',
        message: `${holder} thumbnail "${shown}" is not a PNG or JPEG image (content type "${contentTypes.of(relationship.target) ?? 'none'}"); it was ignored.`,
      });
    }
  }
  if (thumbnails.length > 0) return warnings;
  for (const relationship of relationships) {
    if (
      !NOT_THUMBNAIL_TYPES.has(relationship.type) &&
      archive.entries.has(relationship.target) &&
      isImage(contentTypes, relationship.target)
    ) {
      warnings.push({
        code: '3mf-thumbnail-relationship-type',
        message: `${holder} relates the image "/${relationship.target}" with type "${relationship.type.slice(0, 200)}"; a thumbnail must use ${THUMBNAIL_RELATIONSHIP_TYPE}. It was accepted as is.`,
      });
    }
  }
  return warnings;
}

/** Object thumbnails need a thumbnail relationship from the model part (3MF Core §3.4.2.1, §6.1). */
function objectThumbnailWarnings(
  archive: ZipArchive,
  model: ModelPart,
  relationships: readonly Relationship[],
  modelPart: string,
): MeshWarning[] {
  const warnings: MeshWarning[] = [];
  for (const thumbnail of new Set(model.objectThumbnails)) {
    const related = relationships.filter((r) => r.target === thumbnail);
    if (!archive.entries.has(thumbnail)) {
      warnings.push({
        code: '3mf-thumbnail-missing',
        message: `An object of "/${modelPart}" names the thumbnail "/${thumbnail}", which is not in the package; it was ignored.`,
      });
    } else if (!related.some((r) => r.type === THUMBNAIL_RELATIONSHIP_TYPE)) {
      const types = related.map((r) => `"${r.type.slice(0, 200)}"`).join(', ') || 'none';
      warnings.push({
        code: '3mf-thumbnail-relationship-type',
        message: `The object thumbnail "/${thumbnail}" is related from "/${modelPart}" with type ${types}; a thumbnail must use ${THUMBNAIL_RELATIONSHIP_TYPE}. It was accepted as is.`,
      });
    }
  }
  return warnings;
}
