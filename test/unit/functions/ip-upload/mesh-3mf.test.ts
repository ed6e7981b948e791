import { describe, expect, it } from 'vitest';
import { createMeshInspector } from '#functions/ip-upload/mesh/inspect.ts';
import { DEFAULT_MESH_LIMITS, MeshValidationError } from '#functions/ip-upload/mesh/types.ts';
import { openZip } from '#functions/ip-upload/mesh/zip.ts';
import {
  expectMeshError,
  inspectInChunks,
  inspectWhole,
  randomChunkSizes,
} from '#test/fixtures/mesh/feed.ts';
import {
  cubeModelXml,
  cubePartXml,
  cubeThreeMf,
  cubeThreeMfInInches,
  cubeThreeMfWithSpacedNumbers,
  cubeThreeMfWithThumbnail,
  cubeThreeMfWithVendorPreview,
  cubeThreeMfZip64,
  threeMfPackage,
  threeMfRequiringProduction,
  threeMfRequiringUnknownExtension,
  threeMfWithBrokenRelationship,
  threeMfWithDuplicateObjectIds,
  threeMfWithDuplicateResourceIdAcrossKinds,
  threeMfWithEncryptedModel,
  threeMfWithEntityBomb,
  threeMfWithLyingSize,
  threeMfWithMismatchedLocalHeader,
  threeMfWithMissingThumbnail,
  threeMfWithMistypedThumbnail,
  threeMfWithObjectThumbnailAsTexture,
  threeMfWithOutOfRangeIndex,
  threeMfWithoutContentTypes,
  threeMfWithProductionParts,
  threeMfWithRatioBomb,
  threeMfWithRegularLargeModel,
  threeMfWithTooManyEntries,
  threeMfWithTraversalName,
  UNKNOWN_NAMESPACE,
} from '#test/fixtures/mesh/generate.ts';

describe('Function: createMeshInspector (3MF)', () => {
  it.each([
    ['millimeters', cubeThreeMf, 'millimeter'],
    ['inches', cubeThreeMfInInches, 'inch'],
    ['the Production extension required', threeMfRequiringProduction, 'millimeter'],
    ['no unit attribute (millimeter by default)', () => threeMfPackage(), 'millimeter'],
  ])('measures the cube package in %s', (_label, fixture, units) => {
    // Act
    const metrics = inspectInChunks('3mf', fixture(), randomChunkSizes(3, 4096));

    // Assess
    expect(metrics).toMatchObject({
      format: '3mf',
      variant: 'opc',
      triangleCount: 12,
      vertexCount: 8,
      units,
      boundingBox: { min: [0, 0, 0], max: [10, 10, 10] },
    });
    expect(metrics.volume).toBeCloseTo(1000, 9);
    expect(metrics.surfaceArea).toBeCloseTo(600, 9);
  });

  it('calls onTriangle once per triangle', () => {
    // Prepare
    let calls = 0;

    // Act
    const metrics = inspectWhole('3mf', cubeThreeMf(), { onTriangle: () => calls++ });

    // Assess
    expect(calls).toBe(metrics.triangleCount);
  });

  it.each([
    ['no [Content_Types].xml', threeMfWithoutContentTypes, '3mf-content-types', '[Content_Types].xml'],
    [
      'a content type that does not cover the model',
      () =>
        threeMfPackage({
          contentTypes: '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        }),
      '3mf-content-types',
      '/3D/3dmodel.model',
    ],
    [
      'a model relationship to a missing part',
      threeMfWithBrokenRelationship,
      '3mf-relationship',
      '/3D/missing.model',
    ],
    [
      'no model relationship',
      () =>
        threeMfPackage({
          relationships:
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
        }),
      '3mf-relationship',
      '3dmodel',
    ],
    [
      'an out-of-range triangle index',
      threeMfWithOutOfRangeIndex,
      '3mf-index-out-of-range',
      'triangle 7 of object 1',
    ],
    [
      'an unknown required extension',
      threeMfRequiringUnknownExtension,
      '3mf-unsupported-extension',
      UNKNOWN_NAMESPACE,
    ],
    ['a DOCTYPE with an entity bomb', threeMfWithEntityBomb, '3mf-doctype', 'DOCTYPE'],
    ['a zip bomb (ratio near 1000)', threeMfWithRatioBomb, 'zip-compression-ratio', 'zip bomb'],
    [
      'an entry whose header understates its size',
      threeMfWithLyingSize,
      'zip-corrupt-entry',
      '3D/3dmodel.model',
    ],
    ['more than 1000 entries', threeMfWithTooManyEntries, 'zip-too-many-entries', '1004 files'],
    ['an entry named ../evil', threeMfWithTraversalName, 'zip-unsafe-entry-name', '../evil'],
    ['an encrypted model entry', threeMfWithEncryptedModel, 'zip-unsupported', 'encrypted'],
    [
      'a local header naming another file',
      threeMfWithMismatchedLocalHeader,
      'zip-header-mismatch',
      '3D/3dmodel.model',
    ],
    [
      'bytes that are not a zip',
      () => Buffer.from('solid cube\nendsolid cube\n'),
      'zip-invalid',
      'not a zip',
    ],
  ])('rejects a package with %s', (_label, fixture, code, mentioned) => {
    // Act
    const error = expectMeshError(() => inspectWhole('3mf', fixture()), code);

    // Assess
    expect(error.message).toContain(mentioned);
  });

  it.each([
    [
      'a repeated vertex',
      '<triangle v1="0" v2="1" v3="1"/>',
      '3mf-degenerate-triangle',
      'triangle 3 of object 1',
    ],
    ['a missing index', '<triangle v1="0" v2="1"/>', '3mf-invalid-model', 'triangle 3 of object 1'],
    ['a negative index', '<triangle v1="0" v2="-1" v3="2"/>', '3mf-invalid-model', 'triangle 3 of object 1'],
  ])('rejects a triangle with %s', (_label, xml, code, mentioned) => {
    // Prepare
    const bytes = threeMfPackage({ model: cubeModelXml({ replaceTriangle: { index: 3, xml } }) });

    // Act
    const error = expectMeshError(() => inspectWhole('3mf', bytes), code);

    // Assess
    expect(error.message).toContain(mentioned);
  });

  it.each([
    ['an unknown unit', cubeModelXml({ unit: 'furlong' }), '3mf-invalid-model', 'furlong'],
    ['a non-finite vertex', cubeModelXml().replace('x="10"', 'x="INF"'), 'non-finite-coordinate', 'object 1'],
    ['a root element in another namespace', '<model xmlns="urn:other"/>', '3mf-invalid-model', '<model>'],
    ['broken XML', cubeModelXml().replace('</mesh>', ''), '3mf-malformed-xml', '3D/3dmodel.model'],
    [
      'an undeclared required extension prefix',
      cubeModelXml({ modelAttributes: 'requiredextensions="q"' }),
      '3mf-invalid-model',
      '"q"',
    ],
    [
      'no triangles',
      `<model xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02"><resources/><build/></model>`,
      'no-triangles',
      '3MF',
    ],
  ])('rejects a model with %s', (_label, model, code, mentioned) => {
    // Act
    const error = expectMeshError(() => inspectWhole('3mf', threeMfPackage({ model })), code);

    // Assess
    expect(error.message).toContain(mentioned);
  });

  it('stops buffering as soon as the package exceeds maxPackageBytes', () => {
    // Prepare
    const inspector = createMeshInspector('3mf', { limits: { maxPackageBytes: 1000 } });
    inspector.write(Buffer.alloc(600));

    // Act
    const act = () => inspector.write(Buffer.alloc(600));

    // Assess
    expect(act).toThrow(MeshValidationError);
    expectMeshError(() => inspector.end(), 'package-too-large');
  });

  it('enforces the vertex limit across the model', () => {
    // Act
    const error = expectMeshError(
      () => inspectWhole('3mf', cubeThreeMf(), { limits: { maxVertices: 7 } }),
      'too-many-vertices',
    );

    // Assess
    expect(error.message).toContain('7 vertices');
  });
});

const CUBE_METRICS = {
  format: '3mf',
  variant: 'opc',
  triangleCount: 12,
  vertexCount: 8,
  boundingBox: { min: [0, 0, 0], max: [10, 10, 10] },
};

/** Runs the 3MF inspector to the end and returns its metrics and warnings. */
function inspectWithWarnings(bytes: Buffer, limits: Partial<typeof DEFAULT_MESH_LIMITS> = {}) {
  const inspector = createMeshInspector('3mf', { limits });
  inspector.write(bytes);
  const metrics = inspector.end();
  return { metrics, warnings: inspector.warnings };
}

describe('Function: createMeshInspector (3MF as the specification allows)', () => {
  it.each([
    ['Zip64 headers, a Zip64 end record and data descriptors', cubeThreeMfZip64],
    ['whitespace around numbers and indices', cubeThreeMfWithSpacedNumbers],
    ['a package thumbnail declared as specified', cubeThreeMfWithThumbnail],
    ['a proper thumbnail and a preview under a slicer relationship type', cubeThreeMfWithVendorPreview],
  ])('measures the cube package with %s, without warnings', (_label, fixture) => {
    // Act
    const { metrics, warnings } = inspectWithWarnings(fixture());

    // Assess
    expect(metrics).toMatchObject(CUBE_METRICS);
    expect(metrics.volume).toBeCloseTo(1000, 9);
    expect(warnings).toEqual([]);
  });

  it('accepts a 545 KB model part that compresses far more than 100-fold (below the ratio floor)', () => {
    // Prepare
    const bytes = threeMfWithRegularLargeModel();
    const model = openZip(bytes, { ...DEFAULT_MESH_LIMITS, maxCompressionRatio: 1e6 }).entries;
    const entry = model.get('3D/3dmodel.model');

    // Act
    const { metrics } = inspectWithWarnings(bytes);

    // Assess
    expect(entry?.uncompressedSize).toBeGreaterThan(545_000);
    expect((entry?.uncompressedSize ?? 0) / (entry?.compressedSize ?? 1)).toBeGreaterThan(150);
    expect(metrics).toMatchObject(CUBE_METRICS);
  });

  it.each([
    ['two objects with id 1', threeMfWithDuplicateObjectIds, 'resource id 1 twice (<object> and <object>)'],
    [
      'a base material group and an object with id 1',
      threeMfWithDuplicateResourceIdAcrossKinds,
      'resource id 1 twice (<basematerials> and <object>)',
    ],
  ])('rejects a model with %s', (_label, fixture, mentioned) => {
    // Act
    const error = expectMeshError(() => inspectWhole('3mf', fixture()), '3mf-duplicate-resource-id');

    // Assess
    expect(error.message).toContain(mentioned);
  });

  it.each([
    ['the package thumbnail related as a texture', threeMfWithMistypedThumbnail, '/Metadata/thumbnail.png'],
    [
      'an object thumbnail related only as a texture',
      threeMfWithObjectThumbnailAsTexture,
      '/3D/Thumbnails/1.png',
    ],
  ])('accepts %s with a warning', (_label, fixture, mentioned) => {
    // Act
    const { metrics, warnings } = inspectWithWarnings(fixture());

    // Assess
    expect(metrics).toMatchObject(CUBE_METRICS);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.code).toBe('3mf-thumbnail-relationship-type');
    expect(warnings[0]?.message).toContain(mentioned);
    expect(warnings[0]?.message).toContain('metadata/thumbnail');
  });

  it('accepts a package thumbnail relationship to a missing part, with a warning', () => {
    // Act
    const { metrics, warnings } = inspectWithWarnings(threeMfWithMissingThumbnail());

    // Assess
    expect(metrics).toMatchObject(CUBE_METRICS);
    expect(warnings.map((w) => w.code)).toEqual(['3mf-thumbnail-missing']);
  });
});

describe('Function: createMeshInspector (3MF Production extension)', () => {
  it('measures meshes in other model parts referenced by p:path', () => {
    // Act
    const { metrics, warnings } = inspectWithWarnings(threeMfWithProductionParts());

    // Assess
    expect(metrics).toMatchObject({ ...CUBE_METRICS, units: 'millimeter' });
    expect(metrics.volume).toBeCloseTo(1000, 9);
    expect(warnings).toEqual([]);
  });

  it('reads each referenced part once and counts every part it reads', () => {
    // Prepare: two components in one part, one in another.
    const bytes = threeMfWithProductionParts({
      components: [
        { path: '/3D/Objects/a.model', objectid: 1 },
        { path: '/3D/Objects/a.model', objectid: 2 },
        { path: '/3D/Objects/b.model', objectid: 1 },
      ],
      parts: {
        '/3D/Objects/a.model': cubePartXml({ id: 1, extra: cubePartObject(2) }),
        '/3D/Objects/b.model': cubePartXml({ id: 1 }),
      },
    });

    // Act
    const { metrics } = inspectWithWarnings(bytes);

    // Assess
    expect(metrics.triangleCount).toBe(36);
    expect(metrics.vertexCount).toBe(24);
  });

  it('brings a referenced part in another unit to the root part unit', () => {
    // Prepare
    const bytes = threeMfWithProductionParts({
      parts: { '/3D/Objects/cube.model': cubePartXml({ unit: 'centimeter' }) },
    });

    // Act
    const { metrics } = inspectWithWarnings(bytes);

    // Assess
    expect(metrics.units).toBe('millimeter');
    expect(metrics.boundingBox.max).toEqual([100, 100, 100]);
  });

  it('accepts a referenced part missing from the root part relationships, with a warning', () => {
    // Act
    const { metrics, warnings } = inspectWithWarnings(
      threeMfWithProductionParts({ modelRelationships: null }),
    );

    // Assess
    expect(metrics.triangleCount).toBe(12);
    expect(warnings.map((w) => w.code)).toEqual(['3mf-part-relationship-missing']);
    expect(warnings[0]?.message).toContain('/3D/Objects/cube.model');
  });

  it('names the referenced part in errors about its meshes', () => {
    // Prepare
    const part = cubePartXml().replace(
      '<triangle v1="0" v2="3" v3="2"/>',
      '<triangle v1="0" v2="3" v3="9"/>',
    );
    const bytes = threeMfWithProductionParts({ parts: { '/3D/Objects/cube.model': part } });

    // Act
    const error = expectMeshError(() => inspectWhole('3mf', bytes), '3mf-index-out-of-range');

    // Assess
    expect(error.message).toContain('object 1 in "/3D/Objects/cube.model"');
  });

  it('warns of an object thumbnail in a referenced part that its part does not relate', () => {
    // Prepare
    const part = cubePartXml().replace(
      '<object id="1" type="model"',
      '<object id="1" type="model" thumbnail="/3D/Objects/1.png"',
    );
    const bytes = threeMfWithProductionParts({ parts: { '/3D/Objects/cube.model': part } });

    // Act
    const { warnings } = inspectWithWarnings(bytes);

    // Assess
    expect(warnings.map((w) => w.code)).toEqual(['3mf-thumbnail-missing']);
    expect(warnings[0]?.message).toContain('"/3D/Objects/cube.model"');
  });

  it.each([
    [
      'a part that is not in the package',
      () => threeMfWithProductionParts({ parts: {} }),
      {},
      '3mf-relationship',
      '/3D/Objects/cube.model',
    ],
    [
      'an object id the part does not define',
      () =>
        threeMfWithProductionParts({
          components: [{ path: '/3D/Objects/cube.model', objectid: 5 }],
          parts: { '/3D/Objects/cube.model': cubePartXml() },
        }),
      {},
      '3mf-invalid-model',
      'object 5',
    ],
    [
      'the root part itself (a cycle)',
      () =>
        threeMfWithProductionParts({ components: [{ path: '/3D/3dmodel.model', objectid: 7 }], parts: {} }),
      {},
      '3mf-invalid-model',
      'root model part itself',
    ],
    [
      'a part that refers to a further part (more than one level)',
      () =>
        threeMfWithProductionParts({
          parts: {
            '/3D/Objects/cube.model': cubePartXml({
              extra:
                '<object id="3" type="model"><components><component p:path="/3D/Objects/cube.model" objectid="1"/></components></object>',
            }),
          },
        }),
      {},
      '3mf-invalid-model',
      'only the root model part may',
    ],
    [
      'more parts than maxModelParts',
      () =>
        threeMfWithProductionParts({
          components: [1, 2, 3].map((n) => ({ path: `/3D/Objects/${n}.model`, objectid: 1 })),
        }),
      { maxModelParts: 2 },
      '3mf-too-many-parts',
      'more than 2',
    ],
    [
      'more vertices across parts than the limit',
      () =>
        threeMfWithProductionParts({
          components: [1, 2].map((n) => ({ path: `/3D/Objects/${n}.model`, objectid: 1 })),
        }),
      { maxVertices: 15 },
      'too-many-vertices',
      '15 vertices',
    ],
    [
      'a part whose content type is not a model',
      () =>
        threeMfWithProductionParts({
          components: [{ path: '/3D/Objects/cube.xml', objectid: 1 }],
        }),
      {},
      '3mf-content-types',
      '/3D/Objects/cube.xml',
    ],
  ])('rejects a p:path reference to %s', (_label, fixture, limits, code, mentioned) => {
    // Act
    const error = expectMeshError(() => inspectWhole('3mf', fixture(), { limits }), code);

    // Assess
    expect(error.message).toContain(mentioned);
  });
});

/** A second cube object, for a part that holds two. */
function cubePartObject(id: number): string {
  const part = cubePartXml({ id });
  return part.slice(part.indexOf('<object'), part.indexOf('</object>') + '</object>'.length);
}
