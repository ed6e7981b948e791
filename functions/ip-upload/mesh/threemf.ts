import { readModel } from './threemf-model.ts';
import {
  type MeshInspector,
  type MeshLimits,
  type MeshMetrics,
  MeshValidationError,
  type TriangleListener,
} from './types.ts';
import { attribute, parseXmlPart } from './xml.ts';
import { openZip, type ZipArchive } from './zip.ts';

const CONTENT_TYPES_PART = '[Content_Types].xml';
const ROOT_RELATIONSHIPS_PART = '_rels/.rels';
const MODEL_RELATIONSHIP_TYPE = 'http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel';
const MODEL_CONTENT_TYPE = 'application/vnd.ms-package.3dmanufacturing-3dmodel+xml';

/**
 * 3MF is an OPC zip package, whose central directory sits at the end, so the upload is buffered
 * (up to maxPackageBytes) and read at end(): content types, the root relationship to the model
 * part, then the model itself.
 */
export function createThreeMfInspector(limits: MeshLimits, onTriangle?: TriangleListener): MeshInspector {
  const chunks: Buffer[] = [];
  let receivedBytes = 0;
  return {
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
      const modelPart = findModelPart(archive);
      checkContentType(archive, modelPart);
      return readModel(archive.read(modelPart), modelPart, limits, onTriangle);
    },
  };
}

/** The part the root relationship of type 3dmodel points at; it must exist. */
function findModelPart(archive: ZipArchive): string {
  if (!archive.entries.has(ROOT_RELATIONSHIPS_PART)) {
    throw new MeshValidationError(
      '3mf-relationship',
      `The package has no "${ROOT_RELATIONSHIPS_PART}", so the model cannot be found; export the 3MF again.`,
    );
  }
  let target: string | undefined;
  parseXmlPart(archive.read(ROOT_RELATIONSHIPS_PART), ROOT_RELATIONSHIPS_PART, {
    onOpen(tag) {
      if (
        target === undefined &&
        tag.local === 'Relationship' &&
        attribute(tag, 'Type') === MODEL_RELATIONSHIP_TYPE
      ) {
        target = attribute(tag, 'Target') ?? '';
      }
    },
  });
  if (target === undefined) {
    throw new MeshValidationError(
      '3mf-relationship',
      `"${ROOT_RELATIONSHIPS_PART}" has no relationship of type ${MODEL_RELATIONSHIP_TYPE}, so the model cannot be found; export the 3MF again.`,
    );
  }
  const partName = decodePartName(target);
  if (!archive.entries.has(partName)) {
    throw new MeshValidationError(
      '3mf-relationship',
      `The model relationship points at "${target}", which is not in the package; export the 3MF again.`,
    );
  }
  return partName;
}

/** Zip entry names have no leading "/" and are not percent-encoded; relationship targets may be. */
function decodePartName(target: string): string {
  const withoutSlash = target.replace(/^\/+/, '');
  try {
    return decodeURIComponent(withoutSlash);
  } catch {
    return withoutSlash;
  }
}

/** OPC: an Override for the part name wins over a Default for its extension; both compare case-insensitively. */
function checkContentType(archive: ZipArchive, modelPart: string): void {
  if (!archive.entries.has(CONTENT_TYPES_PART)) {
    throw new MeshValidationError(
      '3mf-content-types',
      `The package has no "${CONTENT_TYPES_PART}"; it is not a valid 3MF. Export it again.`,
    );
  }
  const partName = `/${modelPart}`.toLowerCase();
  const extension = modelPart.includes('.') ? (modelPart.split('.').pop() ?? '').toLowerCase() : '';
  let overrideType: string | undefined;
  let defaultType: string | undefined;
  parseXmlPart(archive.read(CONTENT_TYPES_PART), CONTENT_TYPES_PART, {
    onOpen(tag) {
      if (tag.local === 'Override' && attribute(tag, 'PartName')?.toLowerCase() === partName) {
        overrideType = attribute(tag, 'ContentType');
      } else if (tag.local === 'Default' && attribute(tag, 'Extension')?.toLowerCase() === extension) {
        defaultType = attribute(tag, 'ContentType');
      }
    },
  });
  const contentType = overrideType ?? defaultType;
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
