/** What the master playlist needs from an fMP4 init segment: codecs and the picture size. */
export interface InitInfo {
  readonly codecs: string;
  readonly width: number | undefined;
  readonly height: number | undefined;
}

const hex2 = (n: number | undefined) => (n ?? 0).toString(16).padStart(2, '0');

export function initInfo(init: Uint8Array): InitInfo {
  const buf = Buffer.from(init.buffer, init.byteOffset, init.byteLength);
  const codecs: string[] = [];
  let width: number | undefined;
  let height: number | undefined;
  const avcC = buf.indexOf('avcC');
  if (avcC >= 4 && avcC + 8 <= buf.length) {
    codecs.push(`avc1.${hex2(buf[avcC + 5])}${hex2(buf[avcC + 6])}${hex2(buf[avcC + 7])}`);
  }
  const avc1 = buf.indexOf('avc1');
  if (avc1 >= 4 && avc1 + 32 <= buf.length) {
    width = buf.readUInt16BE(avc1 + 28);
    height = buf.readUInt16BE(avc1 + 30);
  }
  if (buf.indexOf('mp4a') >= 0) codecs.push('mp4a.40.2');
  if (buf.indexOf('Opus') >= 0) codecs.push('opus');
  return { codecs: codecs.length > 0 ? codecs.join(',') : 'avc1.640028,mp4a.40.2', width, height };
}

/** Timescale of the first track's media header (the video track in the ladder's fMP4). */
export function firstTrackTimescale(init: Uint8Array): number | undefined {
  const buf = Buffer.from(init.buffer, init.byteOffset, init.byteLength);
  const at = buf.indexOf('mdhd');
  if (at < 4 || at + 28 > buf.length) return undefined;
  const version = buf[at + 4];
  const timescale = buf.readUInt32BE(version === 1 ? at + 24 : at + 16);
  return timescale > 0 ? timescale : undefined;
}

/** baseMediaDecodeTime of the first track fragment of a media segment, in its track's timescale. */
export function firstDecodeTime(segment: Uint8Array): number | undefined {
  const buf = Buffer.from(segment.buffer, segment.byteOffset, segment.byteLength);
  const at = buf.indexOf('tfdt');
  if (at < 4 || at + 12 > buf.length) return undefined;
  if (buf[at + 4] === 1) {
    if (at + 16 > buf.length) return undefined;
    return Number(buf.readBigUInt64BE(at + 8));
  }
  return buf.readUInt32BE(at + 8);
}
