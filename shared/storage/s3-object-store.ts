import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { commonJsExports } from '../base/commonjs.ts';
import { lazyOnce } from '../base/lazy.ts';
import {
  type ObjectHead,
  ObjectNotFoundError,
  ObjectStorageError,
  type ObjectStore,
  type PresignedPut,
} from './object-store.ts';

export interface S3ObjectStoreConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** OCI's compatibility API only serves path-style URLs; defaults to true. */
  readonly forcePathStyle?: boolean;
}

type ClientModule = typeof import('@aws-sdk/client-s3');
type PresignerModule = typeof import('@aws-sdk/s3-request-presigner');

interface Sdk {
  readonly client: S3Client;
  readonly commands: ClientModule;
  readonly getSignedUrl: PresignerModule['getSignedUrl'];
}

/**
 * ObjectStore over the S3 API (OCI Object Storage's compatibility endpoint in production, the
 * embedded server locally). The SDK is imported on first use so a cold start that never
 * touches storage does not pay for loading it.
 */
export function createS3ObjectStore(config: S3ObjectStoreConfig): ObjectStore {
  const sdk = lazyOnce(
    (): Promise<Sdk> =>
      loadSdk(config).catch((error: unknown) => {
        throw new ObjectStorageError('The S3 SDK could not be loaded', { cause: error });
      }),
  );

  return {
    async put(bucket, key, body, options) {
      if (!(body instanceof Uint8Array) && options?.contentLength === undefined) {
        // Without a length the SDK falls back to chunked uploads, which S3 APIs refuse.
        throw new ObjectStorageError('A stream body needs options.contentLength', {
          code: 'MissingContentLength',
        });
      }
      const { client, commands } = await sdk();
      const output = await call(bucket, key, () =>
        client.send(
          new commands.PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: options?.contentType,
            ContentLength: options?.contentLength,
          }),
          options?.signal ? { abortSignal: options.signal } : {},
        ),
      );
      return { etag: unquote(output.ETag) };
    },

    async get(bucket, key) {
      const { client, commands } = await sdk();
      const output = await call(bucket, key, () =>
        client.send(new commands.GetObjectCommand({ Bucket: bucket, Key: key })),
      );
      if (!output.Body) throw new ObjectStorageError('GetObject returned no body', { code: 'EmptyBody' });
      return {
        // In Node the SDK's body is the IncomingMessage itself, a Readable.
        body: output.Body as Readable,
        head: {
          key,
          size: output.ContentLength ?? 0,
          etag: unquote(output.ETag),
          contentType: output.ContentType,
        },
      };
    },

    async head(bucket, key) {
      const { client, commands } = await sdk();
      try {
        const output = await call(bucket, key, () =>
          client.send(new commands.HeadObjectCommand({ Bucket: bucket, Key: key })),
        );
        return {
          key,
          size: output.ContentLength ?? 0,
          etag: unquote(output.ETag),
          contentType: output.ContentType,
        };
      } catch (error) {
        if (error instanceof ObjectNotFoundError && error.key !== undefined) return undefined;
        throw error;
      }
    },

    async delete(bucket, key) {
      const { client, commands } = await sdk();
      await call(bucket, key, () =>
        client.send(new commands.DeleteObjectCommand({ Bucket: bucket, Key: key })),
      );
    },

    async list(bucket, prefix) {
      const { client, commands } = await sdk();
      const objects: ObjectHead[] = [];
      let continuationToken: string | undefined;
      do {
        const page = await call(bucket, undefined, () =>
          client.send(
            new commands.ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              ContinuationToken: continuationToken,
            }),
          ),
        );
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined) continue;
          objects.push({
            key: item.Key,
            size: item.Size ?? 0,
            etag: unquote(item.ETag),
            contentType: undefined,
          });
        }
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken !== undefined);
      return objects;
    },

    async presignPut(bucket, key, options): Promise<PresignedPut> {
      const { client, commands, getSignedUrl } = await sdk();
      const expiresAt = new Date(Date.now() + options.expiresInSeconds * 1000);
      const command = new commands.PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: options.contentType,
        ContentLength: options.contentLength,
      });
      // The presigner leaves content-type unsigned by default; signing both binds the upload to them.
      const url = await getSignedUrl(client, command, {
        expiresIn: options.expiresInSeconds,
        signableHeaders: new Set(['content-type', 'content-length']),
      });
      return {
        url,
        method: 'PUT',
        headers: { 'content-type': options.contentType, 'content-length': String(options.contentLength) },
        expiresAt,
      };
    },

    async presignGet(bucket, key, expiresInSeconds) {
      const { client, commands, getSignedUrl } = await sdk();
      return getSignedUrl(client, new commands.GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: expiresInSeconds,
      });
    },

    async ping(bucket) {
      const { client, commands } = await sdk();
      await call(bucket, undefined, () => client.send(new commands.HeadBucketCommand({ Bucket: bucket })));
    },
  };
}

async function loadSdk(config: S3ObjectStoreConfig): Promise<Sdk> {
  const [commands, presigner] = await Promise.all([
    import('@aws-sdk/client-s3').then(commonJsExports),
    import('@aws-sdk/s3-request-presigner').then(commonJsExports),
  ]);
  const client = new commands.S3Client({
    endpoint: config.endpoint,
    region: config.region,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    forcePathStyle: config.forcePathStyle ?? true,
    // OCI's compatibility API rejects the flexible-checksum headers and aws-chunked bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { client, commands, getSignedUrl: presigner.getSignedUrl };
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

interface SdkErrorShape {
  readonly name?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);

/** Runs one SDK call and maps its failure to the port's typed errors. */
async function call<T>(bucket: string, key: string | undefined, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
    const code = shape.Code ?? shape.name;
    const httpStatus = shape.$metadata?.httpStatusCode;
    if ((code !== undefined && NOT_FOUND_CODES.has(code)) || httpStatus === 404) {
      // HEAD answers carry no body, so a missing bucket and a missing key both read "NotFound".
      const bucketMissing = code === 'NoSuchBucket' || key === undefined;
      throw new ObjectNotFoundError(bucket, bucketMissing ? undefined : key, { cause: error });
    }
    throw new ObjectStorageError(`Object storage call failed${code ? ` (${code})` : ''}`, {
      code,
      httpStatus,
      cause: error,
    });
  }
}

/** The store every function builds from its validated `objectStorageConfig` fields. */
export function objectStoreFromConfig(config: {
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
}): ObjectStore {
  return createS3ObjectStore({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
  });
}
