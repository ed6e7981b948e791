import { MeshMetricsAccumulator, nonFiniteCoordinate, tooManyTriangles } from './metrics.ts';
import { LineSplitter, parseDecimal } from './text.ts';
import {
  type MeshInspector,
  type MeshLimits,
  type MeshMetrics,
  MeshValidationError,
  type TriangleListener,
} from './types.ts';

const HEADER_BYTES = 84;
const TRIANGLE_BYTES = 50;
/** The 12-byte normal before them is skipped: writers often leave it zero, and consumers recompute it. */
const VERTICES_AT = 12;
/** How much we look at before deciding ASCII or binary. */
const SNIFF_BYTES = 1024;
/** ASCII STL lines are short; anything longer is not an ASCII STL. */
const MAX_ASCII_LINE_BYTES = 4096;

interface StlReader {
  write(chunk: Buffer): void;
  end(): MeshMetrics;
}

/**
 * Reads STL in either variant. A binary STL may start with "solid" too, so the variant is decided
 * from the first kilobyte: ASCII only if it starts with "solid" and holds no control bytes (a
 * binary header's triangle count alone puts a NUL there for any count under 16 million).
 */
export function createStlInspector(
  limits: MeshLimits,
  onTriangle?: TriangleListener,
  expectedBytes?: number,
): MeshInspector {
  const head: Buffer[] = [];
  let headBytes = 0;
  let reader: StlReader | null = null;

  const startReader = (variant: 'binary' | 'ascii'): StlReader => {
    const started =
      variant === 'binary'
        ? new BinaryStlReader(limits, onTriangle, expectedBytes)
        : new AsciiStlReader(limits, onTriangle);
    reader = started;
    for (const buffered of head) started.write(buffered);
    head.length = 0;
    return started;
  };

  return {
    warnings: [],
    write(chunk) {
      if (reader) return reader.write(chunk);
      head.push(Buffer.from(chunk));
      headBytes += chunk.length;
      const variant = sniffVariant(Buffer.concat(head, headBytes), false);
      if (variant) startReader(variant);
    },
    end() {
      const active = reader ?? startReader(sniffVariant(Buffer.concat(head, headBytes), true) ?? 'binary');
      return active.end();
    },
  };
}

/** `undefined` while more bytes are needed to tell. */
function sniffVariant(head: Buffer, complete: boolean): 'binary' | 'ascii' | undefined {
  const window = head.subarray(0, SNIFF_BYTES);
  if (window.some(isControlByte)) return 'binary';
  let start = 0;
  while (start < window.length && isWhitespace(window[start] ?? 0)) start++;
  const keyword = window.toString('latin1', start, start + 5).toLowerCase();
  if (keyword.length === 5 && keyword !== 'solid') return 'binary';
  if (complete || head.length >= SNIFF_BYTES) return keyword === 'solid' ? 'ascii' : 'binary';
  return undefined;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** NUL and other control characters; bytes >= 0x80 are allowed since a solid name may be UTF-8. */
function isControlByte(byte: number): boolean {
  return (byte < 0x20 && !isWhitespace(byte)) || byte === 0x7f;
}

/**
 * 80-byte header, uint32 LE triangle count, then 50 bytes per triangle: normal, three vertices
 * (float32 LE) and a uint16 attribute. Triangles are read straight from each chunk; one split
 * across chunks is completed in a 50-byte carry buffer, so nothing is allocated per triangle.
 *
 * The size check comes first: any file sent as STL has a "count" in bytes 80-83, and for a file
 * that is not an STL at all that number is noise. When the size is known in advance it is checked
 * against the header at once; otherwise a count of zero or beyond the limit is only judged at the
 * end (no triangle is read meanwhile), so the answer names the real problem.
 */
class BinaryStlReader implements StlReader {
  readonly #limits: MeshLimits;
  readonly #metrics: MeshMetricsAccumulator;
  readonly #header = Buffer.alloc(HEADER_BYTES);
  readonly #carry = Buffer.alloc(TRIANGLE_BYTES);
  readonly #carryView = new DataView(this.#carry.buffer, this.#carry.byteOffset, TRIANGLE_BYTES);
  #carryBytes = 0;
  #totalBytes = 0;
  #declaredTriangles = -1;
  #trianglesRead = 0;
  /** The header's count is judged once the size is known; until then no triangle is read. */
  #countPending = false;
  readonly #expectedBytes: number | undefined;

  readonly #onTriangle: TriangleListener | undefined;

  constructor(limits: MeshLimits, onTriangle?: TriangleListener, expectedBytes?: number) {
    this.#limits = limits;
    this.#expectedBytes = expectedBytes;
    this.#onTriangle = onTriangle;
    this.#metrics = new MeshMetricsAccumulator(limits.maxTriangles, onTriangle);
  }

  write(chunk: Buffer): void {
    const headerBytesBefore = Math.min(this.#totalBytes, HEADER_BYTES);
    this.#totalBytes += chunk.length;
    let offset = 0;
    if (headerBytesBefore < HEADER_BYTES) {
      offset = chunk.copy(this.#header, headerBytesBefore, 0, HEADER_BYTES - headerBytesBefore);
      if (headerBytesBefore + offset < HEADER_BYTES) return;
      this.#readHeader();
    }
    // Bytes past the declared triangles are only counted; end() reports them.
    if (this.#countPending || this.#trianglesRead === this.#declaredTriangles) return;

    if (this.#carryBytes > 0) {
      const copied = chunk.copy(
        this.#carry,
        this.#carryBytes,
        offset,
        offset + TRIANGLE_BYTES - this.#carryBytes,
      );
      this.#carryBytes += copied;
      offset += copied;
      if (this.#carryBytes < TRIANGLE_BYTES) return;
      this.#readTriangle(this.#carryView, 0);
      this.#carryBytes = 0;
    }

    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const wholeTriangles = Math.min(
      Math.floor((chunk.length - offset) / TRIANGLE_BYTES),
      this.#declaredTriangles - this.#trianglesRead,
    );
    if (wholeTriangles > 0) {
      const read = this.#metrics.addFloat32Run(view, offset + VERTICES_AT, wholeTriangles, TRIANGLE_BYTES);
      this.#trianglesRead += read;
      if (read < wholeTriangles)
        throw nonFiniteCoordinate(`Triangle ${this.#trianglesRead} (counting from 0)`);
      offset += wholeTriangles * TRIANGLE_BYTES;
    }
    if (this.#trianglesRead < this.#declaredTriangles && offset < chunk.length) {
      this.#carryBytes = chunk.copy(this.#carry, 0, offset);
    }
  }

  end(): MeshMetrics {
    if (this.#totalBytes < HEADER_BYTES) {
      throw new MeshValidationError(
        'stl-size-mismatch',
        `The file is ${this.#totalBytes} bytes, too short for a binary STL (at least ${HEADER_BYTES}) and not an ASCII STL (which starts with "solid").`,
      );
    }
    this.#checkSize(this.#totalBytes);
    this.#checkCount();
    return this.#metrics.finish({
      format: 'stl',
      variant: 'binary',
      vertexCount: null,
      units: 'unspecified',
    });
  }

  #readHeader(): void {
    this.#declaredTriangles = this.#header.readUInt32LE(80);
    // Checked before any triangle is read so a hostile count costs nothing.
    if (this.#expectedBytes === undefined) {
      this.#countPending =
        this.#declaredTriangles === 0 || this.#declaredTriangles > this.#limits.maxTriangles;
      return;
    }
    this.#checkSize(this.#expectedBytes);
    this.#checkCount();
    // The count agrees with the file's real size, so it is what will be read.
    this.#onTriangle?.expect?.(this.#declaredTriangles);
  }

  #checkSize(actualBytes: number): void {
    const declared = this.#declaredTriangles;
    const expectedBytes = HEADER_BYTES + TRIANGLE_BYTES * declared;
    if (actualBytes === expectedBytes) return;
    // Off by more than half the file: the count is noise, not a truncation or a few stray bytes.
    const hint =
      Math.abs(actualBytes - expectedBytes) > actualBytes / 2
        ? 'the file is probably not a binary STL; export the model again as STL'
        : actualBytes < expectedBytes
          ? 'the file is truncated; upload it again'
          : 'remove the trailing data';
    throw new MeshValidationError(
      'stl-size-mismatch',
      `The triangle count in the binary STL header (${declared}) does not match the file size: ${declared} triangles take 84 + 50 bytes each, so the file must be ${expectedBytes} bytes, but it is ${actualBytes} bytes; ${hint}.`,
    );
  }

  #checkCount(): void {
    if (this.#declaredTriangles > this.#limits.maxTriangles)
      throw tooManyTriangles(this.#limits.maxTriangles);
    if (this.#declaredTriangles === 0) {
      throw new MeshValidationError(
        'no-triangles',
        'The binary STL header declares 0 triangles; export the model again with its mesh.',
      );
    }
  }

  /** A triangle split across chunks, completed in the carry buffer. */
  #readTriangle(view: DataView, offset: number): void {
    const read = this.#metrics.addFloat32Run(view, offset + VERTICES_AT, 1, TRIANGLE_BYTES);
    if (read === 0) throw nonFiniteCoordinate(`Triangle ${this.#trianglesRead} (counting from 0)`);
    this.#trianglesRead++;
  }
}

type AsciiState = 'before-solid' | 'in-solid' | 'in-facet' | 'in-loop' | 'after-loop' | 'after-solid';

/**
 * `solid name` / `facet normal nx ny nz` / `outer loop` / 3 × `vertex x y z` / `endloop` /
 * `endfacet` / ... / `endsolid name`. Keywords are matched case-insensitively and any whitespace
 * separates tokens, since exporters differ on both. Several solids in one file are accepted.
 */
class AsciiStlReader implements StlReader {
  readonly #metrics: MeshMetricsAccumulator;
  readonly #lines: LineSplitter;
  readonly #vertex = new Float64Array(9);
  #state: AsciiState = 'before-solid';
  #verticesInLoop = 0;
  #lastLineNumber = 0;

  constructor(limits: MeshLimits, onTriangle?: TriangleListener) {
    this.#metrics = new MeshMetricsAccumulator(limits.maxTriangles, onTriangle);
    this.#lines = new LineSplitter(MAX_ASCII_LINE_BYTES, (line, lineNumber) =>
      this.#readLine(line, lineNumber),
    );
  }

  write(chunk: Buffer): void {
    this.#lines.write(chunk);
  }

  end(): MeshMetrics {
    this.#lines.end();
    if (this.#state !== 'after-solid') {
      throw new MeshValidationError(
        'stl-syntax',
        `The ASCII STL ends at line ${this.#lastLineNumber} before "endsolid"; the file is truncated or incomplete.`,
      );
    }
    return this.#metrics.finish({ format: 'stl', variant: 'ascii', vertexCount: null, units: 'unspecified' });
  }

  #readLine(line: string, lineNumber: number): void {
    this.#lastLineNumber = lineNumber;
    const tokens = line.trim().split(/\s+/);
    const keyword = (tokens[0] ?? '').toLowerCase();
    if (keyword === '') return;
    const fail = (expected: string) =>
      new MeshValidationError(
        'stl-syntax',
        `Line ${lineNumber} of the ASCII STL should be ${expected} but is "${line.trim().slice(0, 80)}".`,
      );

    switch (this.#state) {
      case 'before-solid':
      case 'after-solid':
        if (keyword !== 'solid') throw fail('"solid <name>"');
        this.#state = 'in-solid';
        return;
      case 'in-solid':
        if (keyword === 'endsolid') {
          this.#state = 'after-solid';
          return;
        }
        if (keyword !== 'facet' || tokens[1]?.toLowerCase() !== 'normal' || tokens.length !== 5) {
          throw fail('"facet normal <nx> <ny> <nz>" or "endsolid"');
        }
        // Normal values are not checked: consumers recompute normals from the vertices.
        this.#state = 'in-facet';
        return;
      case 'in-facet':
        if (keyword !== 'outer' || tokens[1]?.toLowerCase() !== 'loop' || tokens.length !== 2) {
          throw fail('"outer loop"');
        }
        this.#state = 'in-loop';
        this.#verticesInLoop = 0;
        return;
      case 'in-loop':
        if (this.#verticesInLoop === 3) {
          if (keyword !== 'endloop' || tokens.length !== 1) throw fail('"endloop"');
          this.#state = 'after-loop';
          return;
        }
        if (keyword !== 'vertex' || tokens.length !== 4) throw fail('"vertex <x> <y> <z>"');
        for (let axis = 1; axis <= 3; axis++) {
          const value = parseDecimal(tokens[axis] ?? '');
          if (value === undefined) throw fail('"vertex <x> <y> <z>" with decimal numbers');
          if (!Number.isFinite(value)) throw nonFiniteCoordinate(`Line ${lineNumber}`);
          this.#vertex[this.#verticesInLoop * 3 + axis - 1] = value;
        }
        this.#verticesInLoop++;
        return;
      case 'after-loop': {
        if (keyword !== 'endfacet' || tokens.length !== 1) throw fail('"endfacet"');
        const v = this.#vertex;
        this.#metrics.add(
          v[0] ?? 0,
          v[1] ?? 0,
          v[2] ?? 0,
          v[3] ?? 0,
          v[4] ?? 0,
          v[5] ?? 0,
          v[6] ?? 0,
          v[7] ?? 0,
          v[8] ?? 0,
        );
        this.#state = 'in-solid';
        return;
      }
    }
  }
}
