import { s3Errors } from './s3-error.ts';

/** What a path-style S3 request addresses: `/`, `/{bucket}` or `/{bucket}/{key}`. */
export interface RequestTarget {
  /** Path exactly as received (percent-encoded), which the signature covers. */
  readonly rawPath: string;
  /** Decoded query parameters in arrival order (repeated names kept). */
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
}

const MAX_KEY_BYTES = 1024;

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch (error) {
    throw Object.assign(s3Errors.invalidUri(), { cause: error });
  }
}

/**
 * Splits the raw request target. `+` stays a literal plus: SigV4 clients encode spaces as
 * `%20`, and treating `+` as a space would change both the key and the signature.
 */
export function parseRequestTarget(rawUrl: string): RequestTarget {
  const queryStart = rawUrl.indexOf('?');
  const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : rawUrl.slice(queryStart + 1);
  if (!rawPath.startsWith('/')) throw s3Errors.invalidUri();

  const query = rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      const value = equals === -1 ? '' : pair.slice(equals + 1);
      return [decodeComponent(name), decodeComponent(value)] as const;
    });

  const withoutLeadingSlash = rawPath.slice(1);
  const slash = withoutLeadingSlash.indexOf('/');
  const rawBucket = slash === -1 ? withoutLeadingSlash : withoutLeadingSlash.slice(0, slash);
  const rawKey = slash === -1 ? '' : withoutLeadingSlash.slice(slash + 1);
  const bucket = rawBucket === '' ? undefined : decodeComponent(rawBucket);
  const key = rawKey === '' ? undefined : decodeComponent(rawKey);
  if (key !== undefined && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw s3Errors.keyTooLong();
  return { rawPath, query, bucket, key };
}

export function queryValue(target: RequestTarget, name: string): string | undefined {
  return target.query.find(([candidate]) => candidate === name)?.[1];
}
