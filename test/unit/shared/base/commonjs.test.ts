import { describe, expect, it } from 'vitest';
import { commonJsExports } from '#shared/base/commonjs.ts';

describe('Function: commonJsExports', () => {
  const moduleExports = { KmsCryptoClient: class {}, S3Client: class {} };

  it('returns the namespace when Node exposes the named exports', () => {
    const namespace = { ...moduleExports, default: moduleExports };
    expect(commonJsExports(namespace).KmsCryptoClient).toBe(moduleExports.KmsCryptoClient);
  });

  it('unwraps the bundled `{ default }` shape that esbuild gives a dynamic import', () => {
    const bundled = { default: moduleExports } as unknown as typeof moduleExports;
    expect(commonJsExports(bundled).S3Client).toBe(moduleExports.S3Client);
  });

  it('leaves an ES module whose only export is a default function alone', () => {
    const esm = { default: () => 'x' };
    expect(commonJsExports(esm)).toBe(esm);
  });
});
