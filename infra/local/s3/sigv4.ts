import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * AWS Signature Version 4 primitives for S3, written from the published algorithm:
 * canonical request -> string to sign -> HMAC chain. Pure functions, no I/O, so the
 * unit tests can pin them against the documented vectors.
 */

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** RFC 3986 encoding as SigV4 defines it: every byte but the unreserved set, upper-case hex. */
export function uriEncode(value: string, encodeSlash = true): string {
  let encoded = '';
  for (const character of value) {
    if (UNRESERVED.test(character) || (character === '/' && !encodeSlash)) {
      encoded += character;
      continue;
    }
    for (const byte of Buffer.from(character, 'utf8')) {
      encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return encoded;
}

/**
 * S3 signs the path exactly once encoded and without dot-segment normalisation. Clients
 * differ in which reserved characters they escape (`~`, `!`, `'`), so each segment is
 * decoded and re-encoded canonically; `%2F` inside a segment stays escaped.
 */
export function canonicalUri(rawPath: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  return path
    .split('/')
    .map((segment) => uriEncode(decodeURIComponent(segment)))
    .join('/');
}

/** Sorted `name=value` pairs; both parts are decoded values re-encoded canonically. */
export function canonicalQueryString(parameters: ReadonlyArray<readonly [string, string]>): string {
  return parameters
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) =>
      nameA === nameB ? compareCodeUnits(valueA, valueB) : compareCodeUnits(nameA, nameB),
    )
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function compareCodeUnits(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/** Trims and collapses inner runs of spaces, as the canonical header form requires. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/ {2,}/g, ' ');
}

export interface CanonicalRequestInput {
  readonly method: string;
  /** The path as it came on the wire (still percent-encoded), without the query. */
  readonly rawPath: string;
  /** Decoded query parameters, in any order. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Lower-case header name -> value (multiple values already joined with ','). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Lower-case names, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
}

export function buildCanonicalRequest(input: CanonicalRequestInput): string {
  const signedHeaders = [...input.signedHeaders].sort();
  const headerLines = signedHeaders.map(
    (name) => `${name}:${canonicalHeaderValue(input.headers[name] ?? '')}\n`,
  );
  return [
    input.method.toUpperCase(),
    canonicalUri(input.rawPath),
    canonicalQueryString(input.query),
    headerLines.join(''),
    signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

export interface CredentialScope {
  /** YYYYMMDD */
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

export function scopeString(scope: CredentialScope): string {
  return `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function buildStringToSign(amzDate: string, scope: CredentialScope, canonicalRequest: string): string {
  return [SIGV4_ALGORITHM, amzDate, scopeString(scope), sha256Hex(canonicalRequest)].join('\n');
}

function hmac(key: string | Uint8Array, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function deriveSigningKey(secretAccessKey: string, scope: CredentialScope): Buffer {
  const dateKey = hmac(`AWS4${secretAccessKey}`, scope.date);
  const regionKey = hmac(dateKey, scope.region);
  const serviceKey = hmac(regionKey, scope.service);
  return hmac(serviceKey, 'aws4_request');
}

export function computeSignature(
  secretAccessKey: string,
  scope: CredentialScope,
  stringToSign: string,
): string {
  return hmac(deriveSigningKey(secretAccessKey, scope), stringToSign).toString('hex');
}

/** Compares two hex signatures without leaking, through timing, how many leading characters match. */
export function signaturesMatch(expectedHex: string, providedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const provided = Buffer.from(providedHex, 'utf8');
  // Comparing against itself keeps the timing independent of the provided length.
  if (expected.length !== provided.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, provided);
}

/** `20130524T000000Z` -> Date, or undefined when malformed. */
export function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}
