/**
 * RFC 6381 codec strings read from an fMP4 init segment. ffprobe reports the H.264 profile and
 * level but not the constraint flags, and players compare the whole `avc1.PPCCLL`, so the bytes
 * are read from the avcC box itself; the AAC object type likewise from the esds descriptor.
 */

export interface InitSegmentCodecs {
  readonly video: string | null;
  readonly audio: string | null;
}

export function codecsFromInitSegment(init: Uint8Array): InitSegmentCodecs {
  return { video: avcCodec(init), audio: aacCodec(init) };
}

/** `avc1.64001f,mp4a.40.2` (video first), as a master playlist's CODECS wants it. */
export function codecsAttribute(codecs: InitSegmentCodecs): string {
  return [codecs.video, codecs.audio].filter((codec) => codec !== null).join(',');
}

/** `avc1.PPCCLL`: profile_idc, the constraint-flag byte, level_idc, each as two hex digits. */
export function avcCodec(init: Uint8Array): string | null {
  const body = findBox(init, 'avcC');
  // AVCDecoderConfigurationRecord: configurationVersion (always 1), profile, compat, level.
  if (!body || body.length < 4 || body[0] !== 1) return null;
  return `avc1.${hex(body[1] ?? 0)}${hex(body[2] ?? 0)}${hex(body[3] ?? 0)}`;
}

/** `mp4a.40.<audio object type>`: 2 for AAC-LC, 5 for HE-AAC (SBR), 29 for HE-AACv2. */
export function aacCodec(init: Uint8Array): string | null {
  const body = findBox(init, 'esds');
  if (!body || body.length < 5) return null;
  const reader = new DescriptorReader(body.subarray(4)); // version + flags
  const es = reader.descriptor(0x03);
  if (!es) return null;
  const esFlags = es.byteAt(2);
  let offset = 3;
  if (esFlags & 0x80) offset += 2; // dependsOn_ES_ID
  if (esFlags & 0x40) offset += 1 + es.byteAt(offset); // URL
  if (esFlags & 0x20) offset += 2; // OCR_ES_ID
  const decoderConfig = new DescriptorReader(es.rest(offset)).descriptor(0x04);
  if (!decoderConfig) return null;
  const objectType = decoderConfig.byteAt(0);
  if (objectType !== 0x40) return `mp4a.${hex(objectType)}`;
  const specific = new DescriptorReader(decoderConfig.rest(13)).descriptor(0x05);
  if (!specific) return 'mp4a.40.2';
  let audioObjectType = specific.byteAt(0) >> 3;
  if (audioObjectType === 31)
    audioObjectType = 32 + (((specific.byteAt(0) & 0x07) << 3) | (specific.byteAt(1) >> 5));
  return `mp4a.40.${audioObjectType}`;
}

/**
 * The payload of the first box of this type. Found by scanning for its four-character type and
 * checking that the size before it fits the buffer: init segments are a few hundred bytes of
 * nested boxes, and a false match would also have to carry a valid size and version.
 */
export function findBox(data: Uint8Array, type: string): Uint8Array | null {
  const needle = Buffer.from(type, 'latin1');
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let at = buffer.indexOf(needle, 4); at >= 4; at = buffer.indexOf(needle, at + 1)) {
    const size = buffer.readUInt32BE(at - 4);
    const start = at - 4;
    if (size >= 8 && start + size <= buffer.length) return buffer.subarray(at + 4, start + size);
  }
  return null;
}

class Descriptor {
  readonly #body: Uint8Array;

  constructor(body: Uint8Array) {
    this.#body = body;
  }

  byteAt(index: number): number {
    return this.#body[index] ?? 0;
  }

  rest(from: number): Uint8Array {
    return this.#body.subarray(Math.min(from, this.#body.length));
  }
}

/** MPEG-4 descriptors: a tag byte, a length in 1–4 bytes of 7 bits each, then the body. */
class DescriptorReader {
  readonly #data: Uint8Array;

  constructor(data: Uint8Array) {
    this.#data = data;
  }

  descriptor(tag: number): Descriptor | null {
    if (this.#data[0] !== tag) return null;
    let length = 0;
    let at = 1;
    for (let i = 0; i < 4; i += 1) {
      const byte = this.#data[at] ?? 0;
      at += 1;
      length = (length << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    if (at + length > this.#data.length) return null;
    return new Descriptor(this.#data.subarray(at, at + length));
  }
}

const hex = (byte: number) => byte.toString(16).padStart(2, '0');
