import { describe, expect, it } from 'vitest';
import { createMeshInspector } from '../../functions/ip-upload/mesh/inspect.ts';
import { MeshValidationError } from '../../functions/ip-upload/mesh/types.ts';
import { expectMeshError, inspectInChunks, inspectWhole, randomChunkSizes } from '../fixtures/mesh/feed.ts';
import {
  cubeModelXml,
  cubeThreeMf,
  cubeThreeMfInInches,
  threeMfPackage,
  threeMfRequiringProduction,
  threeMfRequiringUnknownExtension,
  threeMfWithBrokenRelationship,
  threeMfWithEncryptedModel,
  threeMfWithEntityBomb,
  threeMfWithLyingSize,
  threeMfWithMismatchedLocalHeader,
  threeMfWithOutOfRangeIndex,
  threeMfWithoutContentTypes,
  threeMfWithRatioBomb,
  threeMfWithTooManyEntries,
  threeMfWithTraversalName,
  UNKNOWN_NAMESPACE,
} from '../fixtures/mesh/generate.ts';

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
