import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from '#functions/ip-upload/thumbnail/png.ts';

interface Chunk {
  type: string;
  data: Buffer;
  storedCrc: number;
  crcInput: Buffer;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Splits a PNG into chunks, trusting nothing but the length fields. */
function readChunks(png: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    chunks.push({
      type: png.toString('latin1', at + 4, at + 8),
      data: png.subarray(at + 8, at + 8 + length),
      storedCrc: png.readUInt32BE(at + 8 + length),
      crcInput: png.subarray(at + 4, at + 8 + length),
    });
    at += 12 + length;
  }
  expect(at).toBe(png.length);
  return chunks;
}

/** Bitwise CRC-32 (ISO 3309, as PNG uses), independent of the encoder's zlib.crc32. */
function referenceCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Reverses the five PNG filters from the spec, to check the encoder's choices round-trip. */
function unfilter(scanlines: Buffer, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = scanlines[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const raw = scanlines[y * (stride + 1) + 1 + i] ?? 0;
      const left = i >= channels ? (pixels[y * stride + i - channels] ?? 0) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + i] ?? 0) : 0;
      const upLeft = y > 0 && i >= channels ? (pixels[(y - 1) * stride + i - channels] ?? 0) : 0;
      const predictors = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)];
      const predicted = predictors[filter ?? -1];
      if (predicted === undefined) throw new Error(`bad filter type ${filter}`);
      pixels[y * stride + i] = (raw + predicted) & 0xff;
    }
  }
  return pixels;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Gradients (favour Sub/Up/Paeth), flat runs (None) and noise, so several filters get chosen. */
function patternImage(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const noisy = y % 4 === 3;
      rgba[at] = noisy ? seed & 0xff : (x * 9) & 0xff;
      rgba[at + 1] = noisy ? (seed >> 8) & 0xff : (y * 13) & 0xff;
      rgba[at + 2] = (x * y) & 0xff;
      rgba[at + 3] = 255 - ((x + y) & 0x7f);
    }
  }
  return rgba;
}

function dropAlpha(rgba: Uint8Array): Uint8Array {
  return rgba.filter((_, index) => index % 4 !== 3);
}

describe('Thumbnail: encodePng', () => {
  it('writes the signature, then IHDR, IDAT and IEND with lengths and CRCs that check out', () => {
    // Act
    const png = encodePng(37, 11, patternImage(37, 11));

    // Assess
    expect([...png.subarray(0, 8)]).toEqual(SIGNATURE);
    const chunks = readChunks(png);
    expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    for (const chunk of chunks) expect(chunk.storedCrc).toBe(referenceCrc32(chunk.crcInput));
    expect(chunks[2]?.data.length).toBe(0);
  });

  it.each([
    { alpha: true, colorType: 6 },
    { alpha: false, colorType: 2 },
  ])('declares 8-bit colour type $colorType, no interlace, when alpha is $alpha', ({ alpha, colorType }) => {
    // Act
    const header = readChunks(encodePng(300, 2, new Uint8Array(300 * 2 * 4), { alpha }))[0];

    // Assess
    expect(header?.type).toBe('IHDR');
    expect(header?.data.length).toBe(13);
    expect(header?.data.readUInt32BE(0)).toBe(300);
    expect(header?.data.readUInt32BE(4)).toBe(2);
    expect([...(header?.data.subarray(8) ?? [])]).toEqual([8, colorType, 0, 0, 0]);
  });

  it('keeps the alpha channel by default', () => {
    expect(readChunks(encodePng(1, 1, new Uint8Array(4)))[0]?.data[9]).toBe(6);
  });

  it.each([
    { alpha: true, channels: 4 },
    { alpha: false, channels: 3 },
  ])('stores pixels that inflate and unfilter back exactly (alpha $alpha)', ({ alpha, channels }) => {
    // Prepare
    const [width, height] = [23, 17];
    const rgba = patternImage(width, height);

    // Act
    const idat = readChunks(encodePng(width, height, rgba, { alpha }))[1];

    // Assess
    const scanlines = inflateSync(idat?.data ?? Buffer.alloc(0));
    expect(scanlines.length).toBe(height * (width * channels + 1));
    const expected = alpha ? rgba : dropAlpha(rgba);
    expect(Buffer.from(unfilter(scanlines, width, height, channels)).equals(Buffer.from(expected))).toBe(
      true,
    );
  });

  it('chooses more than one filter for an image with gradients and noise', () => {
    // Prepare
    const [width, height] = [64, 32];

    // Act
    const idat = readChunks(encodePng(width, height, patternImage(width, height)))[1];

    // Assess
    const scanlines = inflateSync(idat?.data ?? Buffer.alloc(0));
    const filters = new Set<number>();
    for (let y = 0; y < height; y++) filters.add(scanlines[y * (width * 4 + 1)] ?? -1);
    expect(filters.size).toBeGreaterThan(1);
  });

  it('rejects pixel data of the wrong length', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(RangeError);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects width %s', (width) => {
    expect(() => encodePng(width, 1, new Uint8Array(4))).toThrow(RangeError);
  });
});
