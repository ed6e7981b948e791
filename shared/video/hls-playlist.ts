/**
 * HLS playlists (RFC 8216 and its second edition), read strictly and written for our VOD
 * presentations: fMP4 media playlists with one EXT-X-MAP (a recorded live show joins runs made by
 * different encoders: each further run starts with EXT-X-DISCONTINUITY and its own EXT-X-MAP), and
 * master playlists of variant streams.
 * Anything malformed fails with the line it was found on; tags the spec lets clients skip are skipped,
 * tags that would change how segments are fetched or decoded and that we do not support are refused.
 */

/** Largest playlist read. A 10-hour VOD with 4 s segments is about 350 KB. */
export const MAX_PLAYLIST_BYTES = 1024 * 1024;

export class PlaylistParseError extends Error {
  /** 1-based line of the fault; undefined when the playlist as a whole is at fault (size, a missing tag). */
  readonly line: number | undefined;
  constructor(message: string, line: number | undefined, options?: { cause?: unknown }) {
    super(line === undefined ? message : `line ${line}: ${message}`, options);
    this.name = 'PlaylistParseError';
    this.line = line;
  }
}

export interface MediaSegment {
  readonly uri: string;
  /** EXTINF duration in seconds. */
  readonly duration: number;
  /** Line of the segment's URI. */
  readonly line: number;
  /** Set when an EXT-X-DISCONTINUITY precedes it: timestamps and maybe encoding parameters change. */
  readonly discontinuity?: true;
  /** The EXT-X-PROGRAM-DATE-TIME given for it (ISO 8601, as written), if any. */
  readonly programDateTime?: string;
}

/** An EXT-X-MAP and the index of the first segment it applies to. */
export interface InitSection {
  readonly uri: string;
  readonly firstSegment: number;
}

export interface MediaPlaylist {
  readonly version: number;
  readonly targetDuration: number;
  readonly mediaSequence: number;
  /** EXT-X-DISCONTINUITY-SEQUENCE, when given: discontinuities that slid out of a live window. */
  readonly discontinuitySequence?: number;
  readonly playlistType: 'VOD' | 'EVENT' | undefined;
  readonly independentSegments: boolean;
  /** The Media Initialization Section (fMP4 init segment) of the first segment. */
  readonly map: { readonly uri: string } | undefined;
  /**
   * Only when `map` alone does not say it all (several encoder runs joined): every EXT-X-MAP in
   * order. A further one is only accepted right after an EXT-X-DISCONTINUITY. Read it through
   * `initSections()`.
   */
  readonly maps?: readonly InitSection[];
  readonly segments: readonly MediaSegment[];
  readonly endList: boolean;
}

export interface Resolution {
  readonly width: number;
  readonly height: number;
}

export interface VariantStream {
  readonly uri: string;
  readonly bandwidth: number;
  readonly averageBandwidth: number | undefined;
  /** The RFC 6381 codecs list as written, e.g. `avc1.64001f,mp4a.40.2`. */
  readonly codecs: string | undefined;
  readonly resolution: Resolution | undefined;
  readonly frameRate: number | undefined;
  /** Every attribute of the EXT-X-STREAM-INF tag, including the ones above. */
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

export interface MasterPlaylist {
  readonly version: number;
  readonly independentSegments: boolean;
  readonly variants: readonly VariantStream[];
}

/** One attribute of an attribute list; `value` is without the quotes of a quoted string. */
export interface AttributeValue {
  readonly value: string;
  readonly quoted: boolean;
}

interface Line {
  readonly number: number;
  readonly text: string;
}

interface Tag {
  readonly name: string;
  readonly value: string | undefined;
  readonly line: number;
}

/** Tags that only make sense in a media playlist. */
const MEDIA_TAGS = new Set([
  'EXTINF',
  'EXT-X-TARGETDURATION',
  'EXT-X-MEDIA-SEQUENCE',
  'EXT-X-DISCONTINUITY-SEQUENCE',
  'EXT-X-PLAYLIST-TYPE',
  'EXT-X-MAP',
  'EXT-X-BYTERANGE',
  'EXT-X-KEY',
  'EXT-X-DISCONTINUITY',
  'EXT-X-ENDLIST',
  'EXT-X-I-FRAMES-ONLY',
  'EXT-X-PROGRAM-DATE-TIME',
  'EXT-X-GAP',
  'EXT-X-PART',
]);

/** Tags that only make sense in a master playlist. */
const MASTER_TAGS = new Set([
  'EXT-X-STREAM-INF',
  'EXT-X-I-FRAME-STREAM-INF',
  'EXT-X-MEDIA',
  'EXT-X-SESSION-DATA',
  'EXT-X-SESSION-KEY',
  'EXT-X-CONTENT-STEERING',
]);

export function parseMediaPlaylist(input: string | Uint8Array): MediaPlaylist {
  const lines = playlistLines(input);
  let version: number | undefined;
  let targetDuration: number | undefined;
  let mediaSequence: number | undefined;
  let discontinuitySequence: number | undefined;
  let playlistType: 'VOD' | 'EVENT' | undefined;
  let independentSegments = false;
  let programDateTime: string | undefined;
  let map: { uri: string; line: number } | undefined;
  const maps: InitSection[] = [];
  let discontinuity = false;
  let endList = false;
  let pending: Extinf | undefined;
  const segments: MediaSegment[] = [];
  const extinfs: Extinf[] = [];
  const seen = new Set<string>();

  const once = (tag: Tag): void => {
    if (seen.has(tag.name)) throw new PlaylistParseError(`#${tag.name} appears more than once`, tag.line);
    seen.add(tag.name);
  };

  for (const line of lines) {
    const tag = tagOf(line);
    if (tag === undefined) {
      if (pending === undefined) {
        throw new PlaylistParseError('a URI line without a preceding #EXTINF', line.number);
      }
      if (endList) throw new PlaylistParseError('a segment after #EXT-X-ENDLIST', line.number);
      segments.push({
        uri: checkedUri(line),
        duration: pending.duration,
        line: line.number,
        ...(discontinuity ? { discontinuity: true as const } : {}),
        ...(programDateTime === undefined ? {} : { programDateTime }),
      });
      extinfs.push(pending);
      pending = undefined;
      discontinuity = false;
      programDateTime = undefined;
      continue;
    }
    if (MASTER_TAGS.has(tag.name)) {
      throw new PlaylistParseError(
        `#${tag.name} is a master playlist tag, not allowed in a media playlist`,
        tag.line,
      );
    }
    if (pending !== undefined && (tag.name === 'EXTINF' || tag.name === 'EXT-X-ENDLIST')) {
      throw new PlaylistParseError(`#EXTINF on line ${pending.line} has no URI`, tag.line);
    }
    switch (tag.name) {
      case 'EXT-X-VERSION':
        once(tag);
        version = versionOf(tag);
        break;
      case 'EXT-X-TARGETDURATION':
        once(tag);
        targetDuration = decimalInteger(requiredValue(tag), tag);
        if (targetDuration < 1) {
          throw new PlaylistParseError('#EXT-X-TARGETDURATION must be at least 1', tag.line);
        }
        break;
      case 'EXT-X-MEDIA-SEQUENCE':
        once(tag);
        if (segments.length > 0 || pending !== undefined) {
          throw new PlaylistParseError('#EXT-X-MEDIA-SEQUENCE must precede the first segment', tag.line);
        }
        mediaSequence = decimalInteger(requiredValue(tag), tag);
        break;
      case 'EXT-X-DISCONTINUITY-SEQUENCE':
        once(tag);
        if (segments.length > 0 || pending !== undefined) {
          throw new PlaylistParseError(
            '#EXT-X-DISCONTINUITY-SEQUENCE must precede the first segment',
            tag.line,
          );
        }
        discontinuitySequence = decimalInteger(requiredValue(tag), tag);
        break;
      case 'EXT-X-PROGRAM-DATE-TIME': {
        const value = requiredValue(tag);
        if (Number.isNaN(Date.parse(value))) {
          throw new PlaylistParseError(`#EXT-X-PROGRAM-DATE-TIME "${value}" is not a date-time`, tag.line);
        }
        programDateTime = value;
        break;
      }
      case 'EXT-X-PLAYLIST-TYPE': {
        once(tag);
        const value = requiredValue(tag);
        if (value !== 'VOD' && value !== 'EVENT') {
          throw new PlaylistParseError(`#EXT-X-PLAYLIST-TYPE must be VOD or EVENT, not "${value}"`, tag.line);
        }
        playlistType = value;
        break;
      }
      case 'EXT-X-INDEPENDENT-SEGMENTS':
        once(tag);
        noValue(tag);
        independentSegments = true;
        break;
      case 'EXT-X-MAP': {
        const next = mapOf(tag, {
          mappedHere: maps.at(-1)?.firstSegment === segments.length,
          alreadyMapped: map !== undefined,
          afterSegments: segments.length > 0 || pending !== undefined,
          afterDiscontinuity: discontinuity && pending === undefined,
        });
        map ??= next;
        maps.push({ uri: next.uri, firstSegment: segments.length });
        break;
      }
      case 'EXT-X-DISCONTINUITY':
        noValue(tag);
        if (pending !== undefined) {
          throw new PlaylistParseError('#EXT-X-DISCONTINUITY between #EXTINF and its URI', tag.line);
        }
        discontinuity = true;
        break;
      case 'EXTINF':
        pending = extinfOf(tag);
        break;
      case 'EXT-X-ENDLIST':
        once(tag);
        noValue(tag);
        endList = true;
        break;
      case 'EXT-X-BYTERANGE':
        throw new PlaylistParseError('#EXT-X-BYTERANGE (sub-range segments) is not supported', tag.line);
      case 'EXT-X-KEY':
        keyOf(tag);
        break;
      case 'EXTM3U':
        throw new PlaylistParseError('#EXTM3U may only be the first line', tag.line);
      default:
        // Unknown and informational tags are ignored, as the spec requires of clients.
        break;
    }
  }

  if (pending !== undefined) throw new PlaylistParseError('#EXTINF has no URI', pending.line);
  if (targetDuration === undefined) {
    throw new PlaylistParseError('#EXT-X-TARGETDURATION is missing', undefined);
  }
  const effectiveVersion = version ?? 1;
  if (map !== undefined && effectiveVersion < 6) {
    throw new PlaylistParseError(
      `#EXT-X-MAP needs #EXT-X-VERSION 6 or higher (the playlist declares ${effectiveVersion})`,
      map.line,
    );
  }
  for (const extinf of extinfs) checkDuration(extinf, targetDuration, effectiveVersion);

  return {
    version: effectiveVersion,
    targetDuration,
    mediaSequence: mediaSequence ?? 0,
    ...(discontinuitySequence === undefined ? {} : { discontinuitySequence }),
    playlistType,
    independentSegments,
    map: map === undefined ? undefined : { uri: map.uri },
    ...(maps.length > 1 || (maps[0] !== undefined && maps[0].firstSegment !== 0) ? { maps } : {}),
    segments,
    endList,
  };
}

/** Every init section of a media playlist in order (none, one at segment 0, or one per run). */
export function initSections(playlist: MediaPlaylist): readonly InitSection[] {
  if (playlist.maps !== undefined) return playlist.maps;
  return playlist.map === undefined ? [] : [{ uri: playlist.map.uri, firstSegment: 0 }];
}

export function parseMasterPlaylist(input: string | Uint8Array): MasterPlaylist {
  const lines = playlistLines(input);
  let version: number | undefined;
  let independentSegments = false;
  let pending: { attributes: Map<string, AttributeValue>; line: number } | undefined;
  const variants: VariantStream[] = [];

  for (const line of lines) {
    const tag = tagOf(line);
    if (tag === undefined) {
      if (pending === undefined) {
        throw new PlaylistParseError('a URI line without a preceding #EXT-X-STREAM-INF', line.number);
      }
      variants.push(variantOf(checkedUri(line), pending.attributes, pending.line));
      pending = undefined;
      continue;
    }
    if (MEDIA_TAGS.has(tag.name)) {
      throw new PlaylistParseError(
        `#${tag.name} is a media playlist tag, not allowed in a master playlist`,
        tag.line,
      );
    }
    switch (tag.name) {
      case 'EXT-X-VERSION':
        if (version !== undefined) {
          throw new PlaylistParseError('#EXT-X-VERSION appears more than once', tag.line);
        }
        version = versionOf(tag);
        break;
      case 'EXT-X-INDEPENDENT-SEGMENTS':
        noValue(tag);
        independentSegments = true;
        break;
      case 'EXT-X-STREAM-INF':
        if (pending !== undefined) {
          throw new PlaylistParseError(`#EXT-X-STREAM-INF on line ${pending.line} has no URI`, tag.line);
        }
        pending = { attributes: parseAttributeList(requiredValue(tag), tag.line), line: tag.line };
        break;
      case 'EXTM3U':
        throw new PlaylistParseError('#EXTM3U may only be the first line', tag.line);
      default:
        break;
    }
  }

  if (pending !== undefined) throw new PlaylistParseError('#EXT-X-STREAM-INF has no URI', pending.line);
  if (variants.length === 0) {
    throw new PlaylistParseError('the master playlist has no #EXT-X-STREAM-INF', undefined);
  }
  return { version: version ?? 1, independentSegments, variants };
}

export interface MasterVariantInput {
  /** Relative to the master playlist, e.g. `720p/index.m3u8`. */
  readonly uri: string;
  /** Peak segment bit rate, bits/s. */
  readonly bandwidth: number;
  /** Average segment bit rate, bits/s. */
  readonly averageBandwidth: number;
  readonly width: number;
  readonly height: number;
  /** RFC 6381 codecs list, e.g. `avc1.64001f,mp4a.40.2`. */
  readonly codecs: string;
  readonly frameRate: number;
}

/**
 * The master playlist of a VOD presentation. Version 7 although none of the tags written here needs
 * more than 1 (RFC 8216 §7): the media playlists it points to carry EXT-X-MAP, which needs 6, and
 * ffmpeg declares them 7, so the whole presentation announces one protocol level.
 *
 * Variants go lowest BANDWIDTH first. Safari/AVPlayer and hls.js start on the first variant listed;
 * starting low gives the shortest time to first frame on any network, and players step up after the
 * first segment or two once they have measured the throughput. Starting at the top rung instead makes
 * a phone on a slow network fetch a multi-megabyte first segment before anything shows.
 */
export function renderMasterPlaylist(variants: readonly MasterVariantInput[]): string {
  if (variants.length === 0) throw new RangeError('a master playlist needs at least one variant');
  const ordered = [...variants].sort(
    (a, b) =>
      a.bandwidth - b.bandwidth ||
      a.averageBandwidth - b.averageBandwidth ||
      (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0),
  );
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const variant of ordered) {
    checkVariantInput(variant);
    const attributes = [
      `BANDWIDTH=${variant.bandwidth}`,
      `AVERAGE-BANDWIDTH=${variant.averageBandwidth}`,
      `CODECS="${variant.codecs}"`,
      `RESOLUTION=${variant.width}x${variant.height}`,
      `FRAME-RATE=${variant.frameRate.toFixed(3)}`,
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, variant.uri);
  }
  return `${lines.join('\n')}\n`;
}

function checkVariantInput(variant: MasterVariantInput): void {
  const positiveInteger = (value: number) => Number.isSafeInteger(value) && value > 0;
  if (!positiveInteger(variant.bandwidth) || !positiveInteger(variant.averageBandwidth)) {
    throw new RangeError(`variant ${variant.uri}: bandwidths must be positive integers`);
  }
  if (!positiveInteger(variant.width) || !positiveInteger(variant.height)) {
    throw new RangeError(`variant ${variant.uri}: width and height must be positive integers`);
  }
  if (!Number.isFinite(variant.frameRate) || variant.frameRate <= 0 || variant.frameRate >= 1000) {
    throw new RangeError(`variant ${variant.uri}: frame rate must be between 0 and 1000`);
  }
  if (!/^[A-Za-z0-9.\-_+]+(,[A-Za-z0-9.\-_+]+)*$/.test(variant.codecs)) {
    throw new RangeError(`variant ${variant.uri}: codecs must be a comma-separated RFC 6381 list`);
  }
  if (!isPlainUri(variant.uri)) {
    throw new RangeError(`variant URI "${variant.uri}" cannot be a playlist line`);
  }
}

function playlistLines(input: string | Uint8Array): Line[] {
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  if (text.length > MAX_PLAYLIST_BYTES) {
    throw new PlaylistParseError(`the playlist is larger than ${MAX_PLAYLIST_BYTES} bytes`, undefined);
  }
  const rawLines = text.split('\n');
  const lines: Line[] = [];
  rawLines.forEach((raw, index) => {
    const number = index + 1;
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const control = firstControlCharacter(lineText);
    if (control !== undefined) {
      throw new PlaylistParseError(`control character U+${control.toString(16).padStart(4, '0')}`, number);
    }
    if (number === 1 && lineText !== '#EXTM3U') {
      throw new PlaylistParseError(
        lineText.startsWith('\uFEFF') ? 'a byte order mark is not allowed' : 'the first line must be #EXTM3U',
        1,
      );
    }
    // Blank lines are ignored, and so are comments: lines starting with # that are not tags.
    if (
      number === 1 ||
      lineText.trim() === '' ||
      (lineText.startsWith('#') && !lineText.startsWith('#EXT'))
    ) {
      return;
    }
    lines.push({ number, text: lineText });
  });
  return lines;
}

function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.byteLength > MAX_PLAYLIST_BYTES) {
    throw new PlaylistParseError(`the playlist is larger than ${MAX_PLAYLIST_BYTES} bytes`, undefined);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new PlaylistParseError('the playlist is not valid UTF-8', undefined, { cause: error });
  }
}

/** U+0000–U+001F and U+007F–U+009F are not allowed (CR only as part of a line break). */
function firstControlCharacter(text: string): number | undefined {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return code;
  }
  return undefined;
}

function tagOf(line: Line): Tag | undefined {
  if (!line.text.startsWith('#')) return undefined;
  const colon = line.text.indexOf(':');
  const name = line.text.slice(1, colon === -1 ? undefined : colon);
  if (!/^EXT[A-Z0-9-]*$/.test(name)) {
    throw new PlaylistParseError(`"#${name}" is not a tag name`, line.number);
  }
  return { name, value: colon === -1 ? undefined : line.text.slice(colon + 1), line: line.number };
}

function requiredValue(tag: Tag): string {
  if (tag.value === undefined || tag.value === '') {
    throw new PlaylistParseError(`#${tag.name} needs a value`, tag.line);
  }
  return tag.value;
}

function noValue(tag: Tag): void {
  if (tag.value !== undefined) throw new PlaylistParseError(`#${tag.name} takes no value`, tag.line);
}

function decimalInteger(text: string, tag: Tag): number {
  if (!/^[0-9]{1,15}$/.test(text)) {
    throw new PlaylistParseError(`#${tag.name}: "${text}" is not a decimal integer`, tag.line);
  }
  return Number(text);
}

function versionOf(tag: Tag): number {
  const version = decimalInteger(requiredValue(tag), tag);
  if (version < 1) throw new PlaylistParseError('#EXT-X-VERSION must be at least 1', tag.line);
  return version;
}

interface Extinf {
  readonly duration: number;
  readonly fractional: boolean;
  readonly line: number;
}

function extinfOf(tag: Tag): Extinf {
  const value = requiredValue(tag);
  const comma = value.indexOf(',');
  const durationText = comma === -1 ? value : value.slice(0, comma);
  if (!/^[0-9]{1,9}(\.[0-9]{1,12})?$/.test(durationText)) {
    throw new PlaylistParseError(`#EXTINF: "${durationText}" is not a duration`, tag.line);
  }
  const duration = Number(durationText);
  if (duration <= 0) throw new PlaylistParseError('#EXTINF duration must be greater than 0', tag.line);
  return { duration, fractional: durationText.includes('.'), line: tag.line };
}

function mapOf(
  tag: Tag,
  where: { mappedHere: boolean; alreadyMapped: boolean; afterSegments: boolean; afterDiscontinuity: boolean },
): { uri: string; line: number } {
  // A new init segment mid-playlist is a change of encoding: only after a discontinuity, once.
  if (where.mappedHere || (where.alreadyMapped && !where.afterDiscontinuity)) {
    throw new PlaylistParseError(
      'more than one #EXT-X-MAP is not supported (a new one must follow an #EXT-X-DISCONTINUITY)',
      tag.line,
    );
  }
  if (where.afterSegments && !where.afterDiscontinuity) {
    throw new PlaylistParseError('#EXT-X-MAP must precede the first segment', tag.line);
  }
  const attributes = parseAttributeList(requiredValue(tag), tag.line);
  if (attributes.has('BYTERANGE')) {
    throw new PlaylistParseError('#EXT-X-MAP with BYTERANGE is not supported', tag.line);
  }
  const uri = attributes.get('URI');
  if (uri === undefined || !uri.quoted || uri.value === '') {
    throw new PlaylistParseError('#EXT-X-MAP needs a quoted URI', tag.line);
  }
  return { uri: uri.value, line: tag.line };
}

function keyOf(tag: Tag): void {
  const method = parseAttributeList(requiredValue(tag), tag.line).get('METHOD');
  if (method === undefined || method.quoted) {
    throw new PlaylistParseError('#EXT-X-KEY needs a METHOD', tag.line);
  }
  if (method.value !== 'NONE') {
    throw new PlaylistParseError(`encrypted segments (METHOD=${method.value}) are not supported`, tag.line);
  }
}

function checkedUri(line: Line): string {
  if (!isPlainUri(line.text)) {
    throw new PlaylistParseError(`"${line.text}" is not a URI (it has whitespace or quotes)`, line.number);
  }
  return line.text;
}

function isPlainUri(text: string): boolean {
  return (
    text.length > 0 &&
    !text.startsWith('#') &&
    !/[\s"]/.test(text) &&
    firstControlCharacter(text) === undefined
  );
}

/** EXTINF rounded to the nearest integer must not exceed the target duration (RFC 8216 §4.3.3.1). */
function checkDuration(extinf: Extinf, targetDuration: number, version: number): void {
  if (Math.round(extinf.duration) > targetDuration) {
    throw new PlaylistParseError(
      `#EXTINF ${extinf.duration} rounds above #EXT-X-TARGETDURATION ${targetDuration}`,
      extinf.line,
    );
  }
  if (extinf.fractional && version < 3) {
    throw new PlaylistParseError('a fractional #EXTINF needs #EXT-X-VERSION 3 or higher', extinf.line);
  }
}

function variantOf(uri: string, attributes: Map<string, AttributeValue>, line: number): VariantStream {
  const integer = (name: string): number | undefined => {
    const attribute = attributes.get(name);
    if (attribute === undefined) return undefined;
    if (attribute.quoted || !/^[0-9]{1,15}$/.test(attribute.value)) {
      throw new PlaylistParseError(`${name} must be a decimal integer`, line);
    }
    return Number(attribute.value);
  };
  const bandwidth = integer('BANDWIDTH');
  if (bandwidth === undefined) throw new PlaylistParseError('#EXT-X-STREAM-INF needs BANDWIDTH', line);

  const codecs = attributes.get('CODECS');
  if (codecs !== undefined) {
    if (!codecs.quoted) throw new PlaylistParseError('CODECS must be a quoted string', line);
    if (codecs.value.split(',').some((codec) => codec.trim() === '')) {
      throw new PlaylistParseError('CODECS has an empty entry', line);
    }
  }

  let resolution: Resolution | undefined;
  const resolutionAttribute = attributes.get('RESOLUTION');
  if (resolutionAttribute !== undefined) {
    const match = /^([0-9]{1,5})x([0-9]{1,5})$/.exec(resolutionAttribute.value);
    if (
      resolutionAttribute.quoted ||
      !match?.[1] ||
      !match[2] ||
      Number(match[1]) === 0 ||
      Number(match[2]) === 0
    ) {
      throw new PlaylistParseError('RESOLUTION must be <width>x<height>', line);
    }
    resolution = { width: Number(match[1]), height: Number(match[2]) };
  }

  let frameRate: number | undefined;
  const frameRateAttribute = attributes.get('FRAME-RATE');
  if (frameRateAttribute !== undefined) {
    if (frameRateAttribute.quoted || !/^[0-9]{1,4}(\.[0-9]{1,6})?$/.test(frameRateAttribute.value)) {
      throw new PlaylistParseError('FRAME-RATE must be a decimal number', line);
    }
    frameRate = Number(frameRateAttribute.value);
    if (frameRate <= 0) throw new PlaylistParseError('FRAME-RATE must be greater than 0', line);
  }

  return {
    uri,
    bandwidth,
    averageBandwidth: integer('AVERAGE-BANDWIDTH'),
    codecs: codecs?.value,
    resolution,
    frameRate,
    attributes,
  };
}

/**
 * An attribute list (RFC 8216 §4.2): NAME=value pairs separated by commas, where a value is either a
 * quoted string (no quotes or line breaks inside) or an unquoted token without commas, quotes or
 * whitespace. Names are upper-case letters, digits and dashes, each at most once.
 */
function parseAttributeList(text: string, line: number): Map<string, AttributeValue> {
  const attributes = new Map<string, AttributeValue>();
  let position = 0;
  while (position < text.length) {
    const equals = text.indexOf('=', position);
    const name = equals === -1 ? text.slice(position) : text.slice(position, equals);
    if (equals === -1 || !/^[A-Z0-9-]+$/.test(name)) {
      throw new PlaylistParseError(`attribute list: "${name}" is not NAME=value`, line);
    }
    if (attributes.has(name)) throw new PlaylistParseError(`attribute ${name} appears more than once`, line);
    position = equals + 1;
    let attribute: AttributeValue;
    if (text[position] === '"') {
      const closing = text.indexOf('"', position + 1);
      if (closing === -1) throw new PlaylistParseError(`attribute ${name}: unterminated quoted string`, line);
      attribute = { value: text.slice(position + 1, closing), quoted: true };
      position = closing + 1;
    } else {
      const comma = text.indexOf(',', position);
      const value = comma === -1 ? text.slice(position) : text.slice(position, comma);
      if (value === '' || /[\s"]/.test(value)) {
        throw new PlaylistParseError(`attribute ${name}: "${value}" is not a valid unquoted value`, line);
      }
      attribute = { value, quoted: false };
      position += value.length;
    }
    attributes.set(name, attribute);
    if (position === text.length) break;
    if (text[position] !== ',') {
      throw new PlaylistParseError(`attribute ${name}: expected a comma after its value`, line);
    }
    position += 1;
    if (position === text.length) throw new PlaylistParseError('attribute list ends with a comma', line);
  }
  return attributes;
}
