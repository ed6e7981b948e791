import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { createDownloadPresigner } from '#functions/print-authorize/download-presigner.ts';

const credentials = { accessKeyId: 'AKIDPRINT', secretAccessKey: 'print/secret+key' };
const AT = new Date('2030-01-02T03:04:05.678Z');

/** What the object store adapter's presigner (the S3 SDK) makes for the same request. */
function sdkUrl(endpoint: string, region: string, bucket: string, key: string, expiresIn: number, at: Date) {
  const client = new S3Client({
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
    expiresIn,
    signingDate: at,
  });
}

describe('Function: createDownloadPresigner', () => {
  it.each([
    [
      'a local endpoint with a port',
      'http://127.0.0.1:9000',
      'local-1',
      'design-vault',
      'designs/01J0/v1.bin',
    ],
    [
      'an OCI compatibility endpoint',
      'https://forgecast.compat.objectstorage.eu-frankfurt-1.oraclecloud.com',
      'eu-frankfurt-1',
      'fc-design-vault',
      'designs/01HZX3K5/v1.bin',
    ],
    ['a key that needs encoding', 'http://127.0.0.1:9000', 'local-1', 'vault', "a b/(c)*'!/ü+é=&.bin"],
  ])('makes exactly the URL the S3 SDK makes, for %s', async (_what, endpoint, region, bucket, key) => {
    // Prepare
    const presign = createDownloadPresigner({ endpoint, region, ...credentials });

    // Act
    const ours = presign(bucket, key, 300, AT);

    // Assess
    expect(ours).toBe(await sdkUrl(endpoint, region, bucket, key, 300, AT));
  });

  it('signs the expiry: a different lifetime or moment is a different signature', () => {
    // Prepare
    const presign = createDownloadPresigner({
      endpoint: 'http://127.0.0.1:9000',
      region: 'local-1',
      ...credentials,
    });
    const signature = (url: string) => new URL(url).searchParams.get('X-Amz-Signature');

    // Act
    const base = presign('vault', 'k', 300, AT);
    const longer = presign('vault', 'k', 301, AT);
    const later = presign('vault', 'k', 300, new Date(AT.getTime() + 1000));
    const nextDay = presign('vault', 'k', 300, new Date(AT.getTime() + 86_400_000));

    // Assess
    expect(new Set([base, longer, later, nextDay].map(signature)).size).toBe(4);
    expect(new URL(nextDay).searchParams.get('X-Amz-Credential')).toBe(
      'AKIDPRINT/20300103/local-1/s3/aws4_request',
    );
  });

  it.each([0, 604_801, 1.5])('refuses a lifetime of %s seconds', (seconds) => {
    // Prepare
    const presign = createDownloadPresigner({
      endpoint: 'http://127.0.0.1:9000',
      region: 'local-1',
      ...credentials,
    });

    // Act + Assess
    expect(() => presign('vault', 'k', seconds, AT)).toThrow(RangeError);
  });
});
