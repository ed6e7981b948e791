import { compareKeys, type ObjectMetadata } from './disk-store.ts';
import { s3Errors } from './s3-error.ts';

export interface ListRequest {
  readonly prefix: string;
  readonly delimiter: string | undefined;
  readonly startAfter: string | undefined;
  readonly continuationToken: string | undefined;
  readonly maxKeys: number;
}

export interface ListResult {
  readonly contents: ObjectMetadata[];
  readonly commonPrefixes: string[];
  readonly nextContinuationToken: string | undefined;
}

interface Cursor {
  readonly value: string;
  /** The last page ended on a common prefix: skip every key under it. */
  readonly isPrefix: boolean;
}

/** Opaque to clients; carries where the previous page stopped. */
function encodeToken(cursor: Cursor): string {
  return Buffer.from(`${cursor.isPrefix ? 'p' : 'k'}:${cursor.value}`, 'utf8').toString('base64url');
}

function decodeToken(token: string): Cursor {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^[pk]:/.test(decoded)) throw s3Errors.invalidArgument('The continuation token provided is incorrect');
  return { value: decoded.slice(2), isPrefix: decoded.startsWith('p') };
}

/** ListObjectsV2 over a sorted snapshot: prefix, delimiter roll-up, start-after and paging. */
export function listObjects(sorted: readonly ObjectMetadata[], request: ListRequest): ListResult {
  const cursors: Cursor[] = [];
  if (request.startAfter) cursors.push({ value: request.startAfter, isPrefix: false });
  if (request.continuationToken) cursors.push(decodeToken(request.continuationToken));
  const isPastCursors = (key: string) =>
    cursors.every((cursor) =>
      cursor.isPrefix
        ? !key.startsWith(cursor.value) && compareKeys(key, cursor.value) > 0
        : compareKeys(key, cursor.value) > 0,
    );

  const contents: ObjectMetadata[] = [];
  const commonPrefixes: string[] = [];
  let last: Cursor | undefined;
  for (const object of sorted) {
    if (!object.key.startsWith(request.prefix) || !isPastCursors(object.key)) continue;
    const rollUp = commonPrefixOf(object.key, request.prefix, request.delimiter);
    if (rollUp !== undefined && last?.isPrefix && last.value === rollUp) continue;
    if (contents.length + commonPrefixes.length >= request.maxKeys) {
      return { contents, commonPrefixes, nextContinuationToken: last ? encodeToken(last) : undefined };
    }
    if (rollUp === undefined) {
      contents.push(object);
      last = { value: object.key, isPrefix: false };
    } else {
      commonPrefixes.push(rollUp);
      last = { value: rollUp, isPrefix: true };
    }
  }
  return { contents, commonPrefixes, nextContinuationToken: undefined };
}

function commonPrefixOf(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at === -1 ? undefined : key.slice(0, at + delimiter.length);
}
