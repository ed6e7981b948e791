import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng } from '#functions/ip-upload/thumbnail/png.ts';
import { renderThumbnail } from '#functions/ip-upload/thumbnail/render.ts';
import { TriangleSample } from '#functions/ip-upload/thumbnail/triangle-sample.ts';

// ffmpeg is an independent PNG decoder: if it reads our bytes back exactly, so will browsers.
const directory = mkdtempSync(join(tmpdir(), 'forgecast-png-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function decodeWithFfmpeg(png: Buffer, name: string): Buffer {
  const file = join(directory, name);
  writeFileSync(file, png);
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

function probeSize(png: Buffer, name: string): string {
  const file = join(directory, name);
  writeFileSync(file, png);
  return execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name,width,height',
    '-of',
    'csv=p=0',
    file,
  ])
    .toString()
    .trim();
}

/** Every channel varies independently, so a swapped channel or a wrong filter shows. */
function patternImage(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      rgba[at] = (x * 37 + y * 3) & 0xff;
      rgba[at + 1] = (y * 53) & 0xff;
      rgba[at + 2] = ((x ^ y) * 29) & 0xff;
      rgba[at + 3] = (x + y) % 3 === 0 ? 255 : (x * 17 + 40) & 0xff;
    }
  }
  return rgba;
}

describe('Thumbnail: PNG decoded by ffmpeg', () => {
  it('decodes an RGBA pattern to exactly the pixels encoded', () => {
    // Prepare
    const [width, height] = [13, 9];
    const rgba = patternImage(width, height);

    // Act
    const decoded = decodeWithFfmpeg(encodePng(width, height, rgba), 'rgba.png');

    // Assess
    expect(decoded.equals(Buffer.from(rgba))).toBe(true);
  });

  it('decodes an RGB pattern to the same colours, opaque', () => {
    // Prepare
    const [width, height] = [31, 6];
    const rgba = patternImage(width, height);

    // Act
    const decoded = decodeWithFfmpeg(encodePng(width, height, rgba, { alpha: false }), 'rgb.png');

    // Assess
    const opaque = rgba.map((value, index) => (index % 4 === 3 ? 255 : value));
    expect(decoded.equals(Buffer.from(opaque))).toBe(true);
  });

  it('reads a rendered thumbnail and the empty placeholder as 256×256 PNGs', () => {
    // Prepare
    const sample = new TriangleSample();
    sample.addTriangle([0, 0, 0], [10, 0, 0], [0, 10, 5]);

    // Act
    const thumbnail = probeSize(renderThumbnail(sample), 'thumbnail.png');
    const placeholder = probeSize(renderThumbnail(new TriangleSample()), 'placeholder.png');

    // Assess
    expect(thumbnail).toBe('png,256,256');
    expect(placeholder).toBe('png,256,256');
  });
});
