import { crc32, deflateSync } from 'node:zlib';

/** PNG encoder for 8-bit truecolour images: enough for thumbnails, no dependency. */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BIT_DEPTH = 8;
const COLOR_TYPE_RGB = 2;
const COLOR_TYPE_RGBA = 6;
// The spec caps width and height at 2^31 - 1.
const MAX_DIMENSION = 0x7fff_ffff;

const FILTER_NONE = 0;
const FILTER_SUB = 1;
const FILTER_UP = 2;
const FILTER_AVERAGE = 3;
const FILTER_PAETH = 4;
const FILTERS = [FILTER_NONE, FILTER_SUB, FILTER_UP, FILTER_AVERAGE, FILTER_PAETH] as const;

export interface PngOptions {
  /** Keep the alpha channel (colour type 6). False writes RGB (colour type 2) and drops it. Default true. */
  alpha?: boolean;
}

/**
 * Encodes `rgba` (width × height pixels, 4 bytes each, rows top to bottom) as a PNG.
 * The input is always RGBA so callers need one pixel layout; `alpha: false` only changes what is written.
 */
export function encodePng(
  width: number,
  height: number,
  rgba: Uint8Array | Buffer,
  options: PngOptions = {},
): Buffer {
  assertDimension('width', width);
  assertDimension('height', height);
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`expected ${width * height * 4} bytes of RGBA pixels, got ${rgba.length}`);
  }
  const alpha = options.alpha ?? true;

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = BIT_DEPTH;
  header[9] = alpha ? COLOR_TYPE_RGBA : COLOR_TYPE_RGB;
  header[10] = 0; // compression method: deflate, the only one defined
  header[11] = 0; // filter method: adaptive, the only one defined
  header[12] = 0; // no interlacing

  const scanlines = filterScanlines(width, height, rgba, alpha ? 4 : 3);
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function assertDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
    throw new RangeError(`PNG ${name} must be an integer from 1 to ${MAX_DIMENSION}, got ${value}`);
  }
}

/** Length, type, data, then a CRC over type and data (not the length), as the spec lays out. */
function chunk(type: string, data: Buffer): Buffer {
  const bytes = Buffer.alloc(12 + data.length);
  bytes.writeUInt32BE(data.length, 0);
  bytes.write(type, 4, 'latin1');
  data.copy(bytes, 8);
  bytes.writeUInt32BE(crc32(bytes.subarray(4, 8 + data.length)), 8 + data.length);
  return bytes;
}

/**
 * Each row gets the filter whose output has the smallest sum of absolute signed bytes, the
 * heuristic the spec recommends: smooth shaded regions then compress to a fraction of their raw size.
 */
function filterScanlines(width: number, height: number, rgba: Uint8Array, channels: number): Buffer {
  const stride = width * channels;
  const output = Buffer.alloc(height * (stride + 1));
  let previous = new Uint8Array(stride); // the row above the first one counts as zeros
  let current = new Uint8Array(stride);
  const candidates = FILTERS.map(() => new Uint8Array(stride));

  for (let y = 0; y < height; y++) {
    copyRow(rgba, y * width * 4, width, channels, current);
    let best = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let f = 0; f < FILTERS.length; f++) {
      const candidate = candidates[f] as Uint8Array;
      const cost = applyFilter(FILTERS[f] as number, current, previous, channels, candidate);
      if (cost < bestCost) {
        bestCost = cost;
        best = f;
      }
    }
    const rowStart = y * (stride + 1);
    output[rowStart] = FILTERS[best] as number;
    output.set(candidates[best] as Uint8Array, rowStart + 1);
    [previous, current] = [current, previous];
  }
  return output;
}

function copyRow(rgba: Uint8Array, start: number, width: number, channels: number, row: Uint8Array): void {
  if (channels === 4) {
    row.set(rgba.subarray(start, start + width * 4));
    return;
  }
  for (let x = 0, source = start, target = 0; x < width; x++, source += 4, target += 3) {
    row[target] = rgba[source] as number;
    row[target + 1] = rgba[source + 1] as number;
    row[target + 2] = rgba[source + 2] as number;
  }
}

/** Writes the filtered row into `out` and returns its cost (sum of bytes read as signed magnitudes). */
function applyFilter(
  filter: number,
  row: Uint8Array,
  above: Uint8Array,
  bytesPerPixel: number,
  out: Uint8Array,
): number {
  let cost = 0;
  for (let i = 0; i < row.length; i++) {
    const left = i >= bytesPerPixel ? (row[i - bytesPerPixel] as number) : 0;
    const up = above[i] as number;
    const upLeft = i >= bytesPerPixel ? (above[i - bytesPerPixel] as number) : 0;
    const value = row[i] as number;
    let predicted = 0;
    if (filter === FILTER_SUB) predicted = left;
    else if (filter === FILTER_UP) predicted = up;
    else if (filter === FILTER_AVERAGE) predicted = (left + up) >> 1;
    else if (filter === FILTER_PAETH) predicted = paeth(left, up, upLeft);
    const filtered = (value - predicted) & 0xff;
    out[i] = filtered;
    cost += filtered < 128 ? filtered : 256 - filtered;
  }
  return cost;
}

/** The predictor from the spec, tie order included (left, then up, then upper-left). */
function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const distanceLeft = Math.abs(estimate - left);
  const distanceUp = Math.abs(estimate - up);
  const distanceUpLeft = Math.abs(estimate - upLeft);
  if (distanceLeft <= distanceUp && distanceLeft <= distanceUpLeft) return left;
  if (distanceUp <= distanceUpLeft) return up;
  return upLeft;
}
