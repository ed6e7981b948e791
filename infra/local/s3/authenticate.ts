import type { RequestTarget } from './request-target.ts';
import { queryValue } from './request-target.ts';
import { s3Errors } from './s3-error.ts';
import {
  buildCanonicalRequest,
  buildStringToSign,
  type CredentialScope,
  computeSignature,
  parseAmzDate,
  SIGV4_ALGORITHM,
  signaturesMatch,
  UNSIGNED_PAYLOAD,
} from './sigv4.ts';

export interface ServerCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface AuthenticationContext {
  readonly credentials: ServerCredentials;
  readonly region: string;
  readonly now: Date;
}

/** The parts of an HTTP request a signature covers. */
export interface SignedRequestView {
  readonly method: string;
  readonly target: RequestTarget;
  /** Lower-case name -> value; repeated headers joined with ','. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** How the request body has to be read and checked once the signature is accepted. */
export type PayloadMode =
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'sha256'; readonly expectedHex: string }
  /** aws-chunked framing with unsigned chunks and an optional checksum trailer. */
  | { readonly kind: 'aws-chunked-unsigned' };

export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

interface SignatureClaim {
  readonly accessKeyId: string;
  readonly scope: CredentialScope;
  readonly amzDate: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly payloadHash: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
}

/** Verifies the SigV4 signature (header or presigned-query form) or throws an S3Error. */
export function authenticate(request: SignedRequestView, context: AuthenticationContext): PayloadMode {
  const authorization = request.headers.authorization;
  const presigned = queryValue(request.target, 'X-Amz-Algorithm') !== undefined;
  if (authorization !== undefined && presigned) {
    throw s3Errors.invalidArgument(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.',
    );
  }
  if (authorization === undefined && !presigned) throw s3Errors.accessDenied();

  const claim = presigned
    ? readPresignedClaim(request, context.now)
    : readHeaderClaim(request, authorization ?? '', context.now);

  if (claim.accessKeyId !== context.credentials.accessKeyId) throw s3Errors.invalidAccessKeyId();
  if (claim.scope.service !== 's3') {
    throw s3Errors.authorizationMalformed(`The service '${claim.scope.service}' is wrong; expecting 's3'.`);
  }
  if (claim.scope.region !== context.region) {
    throw s3Errors.authorizationMalformed(
      `The authorization region '${claim.scope.region}' is wrong; expecting '${context.region}'.`,
    );
  }
  if (claim.scope.date !== claim.amzDate.slice(0, 8)) {
    throw s3Errors.authorizationMalformed('The credential date does not match the request date.');
  }
  if (!claim.signedHeaders.includes('host')) {
    throw s3Errors.accessDenied('The host header must be signed.');
  }
  const unsignedAmzHeader = Object.keys(request.headers).find(
    (name) => name.startsWith('x-amz-') && !claim.signedHeaders.includes(name),
  );
  if (unsignedAmzHeader !== undefined) {
    throw s3Errors.accessDenied('There were headers present in the request which were not signed.');
  }

  const canonicalRequest = buildCanonicalRequest({
    method: request.method,
    rawPath: request.target.rawPath,
    query: claim.query,
    headers: request.headers,
    signedHeaders: claim.signedHeaders,
    payloadHash: claim.payloadHash,
  });
  const expected = computeSignature(
    context.credentials.secretAccessKey,
    claim.scope,
    buildStringToSign(claim.amzDate, claim.scope, canonicalRequest),
  );
  if (!signaturesMatch(expected, claim.signature)) throw s3Errors.signatureDoesNotMatch();
  return payloadModeFor(claim.payloadHash, request.headers);
}

function payloadModeFor(payloadHash: string, headers: SignedRequestView['headers']): PayloadMode {
  if (payloadHash === UNSIGNED_PAYLOAD) return { kind: 'unsigned' };
  if (HEX_SHA256.test(payloadHash)) return { kind: 'sha256', expectedHex: payloadHash };
  if (payloadHash === STREAMING_UNSIGNED_TRAILER) {
    const encodings = (headers['content-encoding'] ?? '').split(',').map((part) => part.trim());
    if (!encodings.includes('aws-chunked') && headers['x-amz-decoded-content-length'] === undefined) {
      throw s3Errors.invalidRequest('Streaming payloads require aws-chunked content encoding.');
    }
    return { kind: 'aws-chunked-unsigned' };
  }
  if (payloadHash.startsWith('STREAMING-')) {
    throw s3Errors.notImplemented(`The payload signing mode ${payloadHash} is not supported.`);
  }
  throw s3Errors.invalidArgument(
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a streaming mode or a SHA-256 hex digest.',
  );
}

function parseCredential(
  credential: string,
  malformed: (message: string) => Error,
): { accessKeyId: string; scope: CredentialScope } {
  const parts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !region || !service || terminator !== 'aws4_request') {
    throw malformed(
      'The Credential is malformed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  }
  return { accessKeyId, scope: { date, region, service } };
}

function parseSignedHeaders(value: string): string[] {
  return value
    .split(';')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}

function readHeaderClaim(request: SignedRequestView, authorization: string, now: Date): SignatureClaim {
  if (!authorization.startsWith(`${SIGV4_ALGORITHM} `)) {
    throw s3Errors.invalidArgument('Unsupported Authorization Type; only AWS4-HMAC-SHA256 is accepted.');
  }
  const fields = new Map<string, string>();
  for (const component of authorization.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const equals = component.indexOf('=');
    if (equals > 0) fields.set(component.slice(0, equals).trim(), component.slice(equals + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw s3Errors.authorizationMalformed('The authorization header is malformed.');
  }
  const amzDate = request.headers['x-amz-date'];
  const requestTime = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || requestTime === undefined) {
    throw s3Errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  }
  if (Math.abs(now.getTime() - requestTime.getTime()) > MAX_CLOCK_SKEW_MS)
    throw s3Errors.requestTimeTooSkewed();
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (payloadHash === undefined) {
    throw s3Errors.invalidRequest('Missing required header for this request: x-amz-content-sha256');
  }
  return {
    ...parseCredential(credential, s3Errors.authorizationMalformed),
    amzDate,
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature,
    payloadHash,
    query: request.target.query,
  };
}

function readPresignedClaim(request: SignedRequestView, now: Date): SignatureClaim {
  const read = (name: string): string => {
    const value = queryValue(request.target, name);
    if (value === undefined || value === '') {
      throw s3Errors.authorizationQueryMalformed(
        `Query-string authentication requires the ${name} parameter.`,
      );
    }
    return value;
  };
  if (read('X-Amz-Algorithm') !== SIGV4_ALGORITHM) {
    throw s3Errors.authorizationQueryMalformed('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".');
  }
  const credential = read('X-Amz-Credential');
  const amzDate = read('X-Amz-Date');
  const expiresText = read('X-Amz-Expires');
  const signedHeaders = read('X-Amz-SignedHeaders');
  const signature = read('X-Amz-Signature');

  const requestTime = parseAmzDate(amzDate);
  if (requestTime === undefined) {
    throw s3Errors.authorizationQueryMalformed(
      "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".",
    );
  }
  const expiresSeconds = /^\d{1,7}$/.test(expiresText) ? Number(expiresText) : Number.NaN;
  if (!(expiresSeconds >= 1 && expiresSeconds <= MAX_PRESIGN_SECONDS)) {
    throw s3Errors.authorizationQueryMalformed('X-Amz-Expires must be between 1 and 604800 seconds.');
  }
  if (now.getTime() > requestTime.getTime() + expiresSeconds * 1000) {
    throw s3Errors.accessDenied('Request has expired');
  }
  if (requestTime.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) {
    throw s3Errors.accessDenied('Request is not valid yet');
  }
  return {
    ...parseCredential(credential, s3Errors.authorizationQueryMalformed),
    amzDate,
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature,
    payloadHash: queryValue(request.target, 'X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD,
    query: request.target.query.filter(([name]) => name !== 'X-Amz-Signature'),
  };
}
