import { describe, expect, it } from 'vitest';
import {
  aacCodec,
  avcCodec,
  codecsAttribute,
  codecsFromInitSegment,
} from '../../../../workers/transcoder/media/codecs.ts';

function box(type: string, payload: readonly number[] | Buffer): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** An MPEG-4 descriptor; `longLength` uses the padded 4-byte length ffmpeg writes. */
function descriptor(tag: number, body: readonly number[], longLength = false): number[] {
  const length = longLength ? [0x80, 0x80, 0x80, body.length] : [body.length];
  return [tag, ...length, ...body];
}

function esds(
  audioSpecificConfig: readonly number[],
  options: { longLength?: boolean; objectType?: number } = {},
) {
  const decoderSpecific = descriptor(0x05, audioSpecificConfig, options.longLength);
  const decoderConfig = descriptor(
    0x04,
    [options.objectType ?? 0x40, 0x15, 0, 0, 0, 0, 1, 0xf4, 0, 0, 1, 0xf4, 0, ...decoderSpecific],
    options.longLength,
  );
  const es = descriptor(0x03, [0, 1, 0, ...decoderConfig, ...descriptor(0x06, [2])], options.longLength);
  return box('esds', [0, 0, 0, 0, ...es]);
}

/** avcC nested a few boxes deep, after unrelated bytes, as in a real init segment. */
function initSegment(...inner: Buffer[]): Buffer {
  return Buffer.concat([box('ftyp', Buffer.from('iso5iso6mp41')), box('moov', Buffer.concat(inner))]);
}

describe('avcCodec', () => {
  it('reads profile, constraint flags and level from the avcC record', () => {
    const init = initSegment(box('avcC', [1, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0, 0]));
    expect(avcCodec(init)).toBe('avc1.64001f');
  });

  it('keeps the constraint flags ffprobe does not report (Constrained Baseline)', () => {
    expect(avcCodec(initSegment(box('avcC', [1, 0x42, 0xc0, 0x1e, 0xff])))).toBe('avc1.42c01e');
  });

  it('ignores a match whose size would run past the data, and a wrong record version', () => {
    const bogus = Buffer.concat([
      Buffer.from([0, 0, 0xff, 0xff]),
      Buffer.from('avcC'),
      Buffer.from([1, 0x4d, 0, 0x28]),
    ]);
    expect(avcCodec(bogus)).toBeNull();
    expect(avcCodec(initSegment(box('avcC', [0, 0x64, 0, 0x28])))).toBeNull();
    const later = Buffer.concat([bogus, initSegment(box('avcC', [1, 0x4d, 0x40, 0x28]))]);
    expect(avcCodec(later)).toBe('avc1.4d4028');
  });

  it('finds nothing in a file without avcC', () => {
    expect(avcCodec(initSegment(box('hvcC', [1, 1, 0x60, 0, 0])))).toBeNull();
  });
});

describe('aacCodec', () => {
  it('reads AAC-LC (object type 2)', () => {
    expect(aacCodec(initSegment(esds([0x11, 0x90])))).toBe('mp4a.40.2');
  });

  it('reads HE-AAC (5) and HE-AACv2 (29)', () => {
    expect(aacCodec(initSegment(esds([0x2b, 0x8a, 0x08, 0x00])))).toBe('mp4a.40.5');
    expect(aacCodec(initSegment(esds([0xeb, 0x8a, 0x08, 0x00])))).toBe('mp4a.40.29');
  });

  it('reads the escaped object type (31 + 6 bits) and 4-byte descriptor lengths', () => {
    expect(aacCodec(initSegment(esds([0xf9, 0x40, 0x00], { longLength: true })))).toBe('mp4a.40.42');
    expect(aacCodec(initSegment(esds([0x12, 0x10], { longLength: true })))).toBe('mp4a.40.2');
  });

  it('names a non-AAC object type by its indication', () => {
    expect(aacCodec(initSegment(esds([], { objectType: 0x6b })))).toBe('mp4a.6b');
  });
});

describe('codecsAttribute', () => {
  it('lists video then audio, and video alone for a silent init segment', () => {
    const avc = box('avcC', [1, 0x64, 0x00, 0x28, 0xff]);
    expect(codecsAttribute(codecsFromInitSegment(initSegment(avc, esds([0x11, 0x90]))))).toBe(
      'avc1.640028,mp4a.40.2',
    );
    expect(codecsAttribute(codecsFromInitSegment(initSegment(avc)))).toBe('avc1.640028');
  });
});
