/** One inclusive byte window of an object. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export type RangeDecision =
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly range: ByteRange }
  | { readonly kind: 'unsatisfiable' };

/**
 * A single `bytes=` range (`a-b`, `a-`, `-n`). Several ranges or a header we do not understand
 * mean the whole object, which RFC 9110 allows a server to answer instead.
 */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'whole' };
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match) return { kind: 'whole' };
  const [, firstText = '', lastText = ''] = match;
  if (firstText === '' && lastText === '') return { kind: 'whole' };
  if (firstText === '') {
    const suffix = Number(lastText);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(firstText);
  const last = lastText === '' ? Number.POSITIVE_INFINITY : Number(lastText);
  if (last < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end: Math.min(last, size - 1) } };
}

/** Yields only the bytes of `range` from `source`, and stops reading (destroying it) past the end. */
export async function* byteWindow(
  source: AsyncIterable<Uint8Array>,
  range: ByteRange,
): AsyncGenerator<Buffer> {
  let position = 0;
  for await (const chunk of source) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const chunkEnd = position + bytes.byteLength;
    if (chunkEnd > range.start) {
      yield bytes.subarray(
        Math.max(0, range.start - position),
        Math.min(bytes.byteLength, range.end + 1 - position),
      );
    }
    position = chunkEnd;
    if (position > range.end) return;
  }
}
