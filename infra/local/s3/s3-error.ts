/**
 * An error the embedded S3 server answers with: the S3 error code, the HTTP status and a
 * message safe to show the client (never a secret, never a file path).
 */
export class S3Error extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3Error';
    this.code = code;
    this.status = status;
  }
}

export const s3Errors = {
  accessDenied: (message = 'Access Denied') => new S3Error('AccessDenied', 403, message),
  signatureDoesNotMatch: () =>
    new S3Error(
      'SignatureDoesNotMatch',
      403,
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ),
  invalidAccessKeyId: () =>
    new S3Error(
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
    ),
  requestTimeTooSkewed: () =>
    new S3Error(
      'RequestTimeTooSkewed',
      403,
      'The difference between the request time and the current time is too large.',
    ),
  authorizationMalformed: (message: string) => new S3Error('AuthorizationHeaderMalformed', 400, message),
  authorizationQueryMalformed: (message: string) =>
    new S3Error('AuthorizationQueryParametersError', 400, message),
  invalidRequest: (message: string) => new S3Error('InvalidRequest', 400, message),
  invalidArgument: (message: string) => new S3Error('InvalidArgument', 400, message),
  invalidUri: () => new S3Error('InvalidURI', 400, 'Could not parse the specified URI.'),
  invalidBucketName: () => new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.'),
  keyTooLong: () => new S3Error('KeyTooLongError', 400, 'Your key is too long.'),
  noSuchBucket: () => new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist.'),
  noSuchKey: () => new S3Error('NoSuchKey', 404, 'The specified key does not exist.'),
  bucketAlreadyOwnedByYou: () =>
    new S3Error(
      'BucketAlreadyOwnedByYou',
      409,
      'Your previous request to create the named bucket succeeded and you already own it.',
    ),
  missingContentLength: () =>
    new S3Error('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.'),
  entityTooLarge: () =>
    new S3Error('EntityTooLarge', 413, 'Your proposed upload exceeds the maximum allowed object size.'),
  invalidRange: () => new S3Error('InvalidRange', 416, 'The requested range is not satisfiable.'),
  invalidDigest: () => new S3Error('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.'),
  badDigest: () =>
    new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.'),
  sha256Mismatch: () =>
    new S3Error(
      'XAmzContentSHA256Mismatch',
      400,
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    ),
  incompleteBody: () =>
    new S3Error('IncompleteBody', 400, 'You did not provide the number of bytes specified by the headers.'),
  methodNotAllowed: () =>
    new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.'),
  notImplemented: (
    message = 'A header or query you provided implies functionality that is not implemented.',
  ) => new S3Error('NotImplemented', 501, message),
  internal: (cause: unknown) =>
    new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.', { cause }),
} as const;
