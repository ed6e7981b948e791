import { createHmac, timingSafeEqual } from 'node:crypto';
import { posix } from 'node:path';
import { ID_PATTERN } from '../ids.ts';
import { assetPrefix } from '../video/media-layout.ts';

/**
 * Edge token auth, in Fastly's `<exp>_<hex HMAC(key, signed + exp)>` form, carried as a path prefix
 * (`/t/<exp>_<sig>/videos/<assetId>/…`) so that the relative URLs inside an HLS playlist inherit the
 * token and the playlist itself stays the same bytes for every viewer (cacheable).
 *
 * What is signed is the asset folder (`videos/<assetId>/`), not one object: one token opens every
 * rendition, segment and image of one asset and nothing else. HMAC-SHA256 rather than the SHA-1 of
 * Fastly's VCL example: SHA-1 is deprecated for new designs and VCL offers `digest.hmac_sha256`, so
 * the production edge can verify exactly this format.
 *
 * A token may name the grant that admitted its holder (`/t/<exp>_<grantId>_<sig>/…`, the grant a
 * ticket id, signed as `scope + exp + "_" + grantId`): the edge refuses a token whose grant is on
 * the revocation list, so a refund or a revoked ticket stops playback before the token expires.
 * The two signed strings cannot collide (a scope holds no `_`), so a grant cannot be stripped
 * from a token to make it unrevocable.
 */
export const EDGE_TOKEN_PATH_PREFIX = '/t/';

/**
 * 10–11 digits, like Fastly's example: seconds since the epoch until the year 5138; then the
 * optional grant id (a ULID); then the signature.
 */
const TOKEN_PATTERN = /^([0-9]{10,11})(?:_([0-9A-HJKMNP-TV-Z]{26}))?_([0-9a-f]{64})$/;
const OBJECT_PATH_CHARACTERS = /^[A-Za-z0-9._\-/]+$/;
const ENCODED_SEPARATOR = /%(2f|2e|5c)/i;
const MAX_OBJECT_PATH_LENGTH = 512;
const MIN_KEY_BYTES = 32;

export type EdgeRefusalReason =
  | 'malformed-token'
  | 'bad-path'
  | 'outside-scope'
  | 'bad-signature'
  | 'expired'
  /** The token's grant is on the revocation list (the edge decides this, not the verifier). */
  | 'revoked';

export type EdgeVerdict =
  | {
      readonly ok: true;
      readonly objectPath: string;
      readonly assetId: string;
      readonly expiresAt: Date;
      /** The grant the token is bound to; absent for tokens that name none. */
      readonly grantId?: string;
    }
  | { readonly ok: false; readonly status: 403 | 410; readonly reason: EdgeRefusalReason };

/** The scope of an object: its asset folder, or undefined when the object lies in none. */
export function edgeScopeOf(objectPath: string): { scope: string; assetId: string } | undefined {
  const match = /^videos\/([^/]+)\//.exec(objectPath);
  const assetId = match?.[1];
  if (assetId === undefined || !ID_PATTERN.test(assetId)) return undefined;
  return { scope: assetPrefix(assetId), assetId };
}

function isEdgeScope(scope: string): boolean {
  return edgeScopeOf(scope)?.scope === scope;
}

function signature(
  key: Uint8Array,
  scope: string,
  expiresAtSeconds: string,
  grantId: string | undefined,
): Buffer {
  return createHmac('sha256', key)
    .update(grantId === undefined ? scope + expiresAtSeconds : `${scope}${expiresAtSeconds}_${grantId}`)
    .digest();
}

/** `/t/<exp>_<sig>`, or `/t/<exp>_<grantId>_<sig>`: put it in front of `/videos/<assetId>/…`. */
export function signEdgePath(input: {
  key: Uint8Array;
  scope: string;
  expiresAt: Date;
  grantId?: string;
}): string {
  if (input.key.byteLength < MIN_KEY_BYTES)
    throw new RangeError(`edge token keys need ${MIN_KEY_BYTES}+ bytes`);
  if (!isEdgeScope(input.scope)) throw new RangeError('the scope must be an asset folder, videos/<assetId>/');
  const seconds = Math.floor(input.expiresAt.getTime() / 1000);
  if (!Number.isSafeInteger(seconds) || seconds < 1e9 || seconds >= 1e11) {
    throw new RangeError('expiresAt is out of the range a token can carry');
  }
  if (input.grantId !== undefined && !ID_PATTERN.test(input.grantId)) {
    throw new RangeError('a grant id is a ULID');
  }
  const exp = String(seconds);
  const grant = input.grantId === undefined ? '' : `${input.grantId}_`;
  const sig = signature(input.key, input.scope, exp, input.grantId).toString('hex');
  return `${EDGE_TOKEN_PATH_PREFIX}${exp}_${grant}${sig}`;
}

const refuse = (status: 403 | 410, reason: EdgeRefusalReason): EdgeVerdict => ({ ok: false, status, reason });

/**
 * Checks a raw request path (as received, still percent-encoded, without the query) against the
 * keys, newest first or in any order: every key is tried, so rotation needs no coordination.
 * Signature before expiry, as Fastly does: a forged token is 403 whatever its date.
 */
export function verifyEdgeRequest(path: string, keys: readonly Uint8Array[], now: Date): EdgeVerdict {
  if (!path.startsWith(EDGE_TOKEN_PATH_PREFIX)) return refuse(403, 'malformed-token');
  const rest = path.slice(EDGE_TOKEN_PATH_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return refuse(403, 'malformed-token');
  const token = TOKEN_PATTERN.exec(rest.slice(0, slash));
  const exp = token?.[1];
  const grantId = token?.[2];
  const presented = token?.[3];
  if (exp === undefined || presented === undefined) return refuse(403, 'malformed-token');

  const objectPath = decodeObjectPath(rest.slice(slash + 1));
  if (objectPath === undefined) return refuse(403, 'bad-path');
  const scoped = edgeScopeOf(objectPath);
  if (scoped === undefined) return refuse(403, 'outside-scope');

  const presentedBytes = Buffer.from(presented, 'hex');
  let matched = false;
  // No early exit: the time taken does not depend on which key (if any) matched.
  for (const key of keys) {
    if (timingSafeEqual(signature(key, scoped.scope, exp, grantId), presentedBytes)) matched = true;
  }
  if (!matched) return refuse(403, 'bad-signature');

  const expiresAt = new Date(Number(exp) * 1000);
  if (now.getTime() > expiresAt.getTime()) return refuse(410, 'expired');
  return {
    ok: true,
    objectPath,
    assetId: scoped.assetId,
    expiresAt,
    ...(grantId === undefined ? {} : { grantId }),
  };
}

/**
 * Decodes once and accepts only a path that is already in normal form: no empty, `.` or `..`
 * segments, no encoded separators or dots, nothing outside the characters object keys use. A
 * second round of encoding (`%252e`) leaves a `%`, which is refused as well.
 */
function decodeObjectPath(raw: string): string | undefined {
  if (raw.length === 0 || raw.length > MAX_OBJECT_PATH_LENGTH * 3 || ENCODED_SEPARATOR.test(raw))
    return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (decoded.length > MAX_OBJECT_PATH_LENGTH || !OBJECT_PATH_CHARACTERS.test(decoded)) return undefined;
  if (posix.normalize(decoded) !== decoded) return undefined;
  const segments = decoded.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  return decoded;
}
