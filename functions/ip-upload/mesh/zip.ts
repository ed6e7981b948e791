import { crc32, inflateRawSync } from 'node:zlib';
import { MeshValidationError } from './types.ts';

export interface ZipLimits {
  readonly maxZipEntries: number;
  readonly maxUncompressedBytes: number;
  readonly maxCompressionRatio: number;
  /**
   * Below this many unpacked bytes the ratio is not checked: small, highly regular parts (a grid
   * mesh, zero-filled metadata) compress far better than 100:1 and cost little to inflate. It
   * applies to each entry and to the package as a whole, so many small bombs are still one bomb.
   */
  readonly compressionRatioFloorBytes: number;
}

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  /** Where the entry's data starts, past its local header. */
  readonly dataOffset: number;
}

/** A validated archive; entries are only inflated when read. */
export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  read(name: string): Buffer;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_END_RECORD = 0x06064b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const END_RECORD_BYTES = 22;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_LOCATOR_BYTES = 20;
/** Signature, record size, two versions, two disk numbers, two counts, directory size and offset. */
const ZIP64_END_RECORD_BYTES = 56;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_EXTRA_FIELD = 0x0001;
/** A 16- or 32-bit field holding all ones means "the real value is in the Zip64 record or extra field". */
const UINT16_MARK = 0xffff;
const UINT32_MARK = 0xffffffff;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

/**
 * Reads the central directory of a zip held in memory and checks everything that can be checked
 * without inflating: structure, names, sizes, ratios and that every local header (and data
 * descriptor) agrees with its central entry (a mismatch is how some archives show one file to a
 * validator and another to a printer). Zip64 is read, as 3MF Core §1.1 requires of consumers,
 * under the same bounds: every 64-bit size or offset must still fit inside the buffered upload.
 * Encryption and multi-disk archives are refused.
 */
export function openZip(archive: Buffer, limits: ZipLimits): ZipArchive {
  const directory = readDirectoryLocation(archive, findEndRecord(archive));
  if (directory.entryCount > limits.maxZipEntries) {
    throw new MeshValidationError(
      'zip-too-many-entries',
      `The package holds ${directory.entryCount} files; at most ${limits.maxZipEntries} are accepted.`,
    );
  }
  const directoryEnd = directory.offset + directory.bytes;
  if (directoryEnd > directory.mustEndBy) throw corrupt('its central directory lies outside the file');

  const entries = new Map<string, ZipEntry>();
  const dataRanges: Array<readonly [number, number]> = [];
  let totalUncompressed = 0;
  let totalCompressed = 0;
  let cursor = directory.offset;
  for (let i = 0; i < directory.entryCount; i++) {
    if (cursor + CENTRAL_HEADER_BYTES > directoryEnd) {
      throw corrupt('its central directory is shorter than its entry count says');
    }
    if (archive.readUInt32LE(cursor) !== CENTRAL_DIRECTORY_HEADER) {
      throw corrupt(`central directory entry ${i} has a bad signature`);
    }
    const flags = archive.readUInt16LE(cursor + 8);
    const method = archive.readUInt16LE(cursor + 10);
    const entryCrc = archive.readUInt32LE(cursor + 16);
    const nameBytes = archive.readUInt16LE(cursor + 28);
    const extraBytes = archive.readUInt16LE(cursor + 30);
    const commentBytes = archive.readUInt16LE(cursor + 32);
    const nameEnd = cursor + CENTRAL_HEADER_BYTES + nameBytes;
    const next = nameEnd + extraBytes + commentBytes;
    if (next > directoryEnd) throw corrupt(`central directory entry ${i} overruns the directory`);
    const rawName = archive.subarray(cursor + CENTRAL_HEADER_BYTES, nameEnd);
    const name = rawName.toString('utf8');

    // APPNOTE 4.5.3: the Zip64 extra field holds, in this order, only the values whose
    // 32-bit field is all ones.
    const zip64 = new Zip64Values(archive.subarray(nameEnd, nameEnd + extraBytes), name);
    const uncompressedSize = zip64.resolve(archive.readUInt32LE(cursor + 24));
    const compressedSize = zip64.resolve(archive.readUInt32LE(cursor + 20));
    const localOffset = zip64.resolve(archive.readUInt32LE(cursor + 42));

    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
      throw unsupported(`"${name}" is encrypted; upload an unencrypted package`);
    }
    if (method !== METHOD_STORED && method !== METHOD_DEFLATE) {
      throw unsupported(`"${name}" uses compression method ${method}; only stored and deflate are supported`);
    }
    checkEntryName(name);
    if (entries.has(name)) throw corrupt(`it holds "${name}" twice`);

    totalUncompressed += uncompressedSize;
    totalCompressed += compressedSize;
    if (totalUncompressed > limits.maxUncompressedBytes) {
      throw new MeshValidationError(
        'zip-too-large',
        `The package would unpack to more than ${limits.maxUncompressedBytes} bytes, the most we accept.`,
      );
    }
    checkRatio(`"${name}"`, uncompressedSize, compressedSize, limits);
    if (method === METHOD_STORED && compressedSize !== uncompressedSize) {
      throw corrupt(`stored entry "${name}" has different compressed and uncompressed sizes`);
    }

    const central = { name: rawName, flags, method, entryCrc, compressedSize, uncompressedSize };
    const dataOffset = checkLocalHeader(archive, localOffset, central);
    const dataEnd = dataOffset + compressedSize;
    if (dataEnd > directory.offset) throw corrupt(`the data of "${name}" overruns the archive`);
    const entryEnd =
      flags & FLAG_DATA_DESCRIPTOR
        ? checkDataDescriptor(archive, dataEnd, directory.offset, central)
        : dataEnd;
    dataRanges.push([localOffset, entryEnd]);
    entries.set(name, { name, method, compressedSize, uncompressedSize, crc32: entryCrc, dataOffset });
    cursor = next;
  }
  checkRatio('The package', totalUncompressed, totalCompressed, limits);
  checkNoOverlap(dataRanges);

  return {
    entries,
    read(name) {
      const entry = entries.get(name);
      if (!entry) throw corrupt(`it has no "${name}"`);
      return inflateEntry(archive, entry);
    },
  };
}

function checkRatio(what: string, uncompressed: number, compressed: number, limits: ZipLimits): void {
  if (uncompressed <= limits.compressionRatioFloorBytes) return;
  if (uncompressed > limits.maxCompressionRatio * Math.max(compressed, 1)) {
    throw new MeshValidationError(
      'zip-compression-ratio',
      `${what} would expand ${Math.round(uncompressed / Math.max(compressed, 1))}-fold to ${uncompressed} bytes, more than the ${limits.maxCompressionRatio}-fold we accept above ${limits.compressionRatioFloorBytes} bytes; this looks like a zip bomb.`,
    );
  }
}

function findEndRecord(archive: Buffer): number {
  const lowest = Math.max(0, archive.length - END_RECORD_BYTES - MAX_COMMENT_BYTES);
  for (let at = archive.length - END_RECORD_BYTES; at >= lowest; at--) {
    // The comment length must reach exactly to the end, or these four bytes are just data.
    if (
      archive.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY &&
      at + END_RECORD_BYTES + archive.readUInt16LE(at + 20) === archive.length
    ) {
      return at;
    }
  }
  throw new MeshValidationError(
    'zip-invalid',
    'The file is not a zip archive (no end of central directory found); a 3MF file is a zip package.',
  );
}

interface DirectoryLocation {
  readonly entryCount: number;
  readonly offset: number;
  readonly bytes: number;
  /** The directory must end before the record that describes it. */
  readonly mustEndBy: number;
}

/**
 * The end record, or the Zip64 end record its locator points at. Where the classic record holds
 * a real value rather than the all-ones mark, it must agree with the Zip64 one: two readers must
 * not see two different directories.
 */
function readDirectoryLocation(archive: Buffer, end: number): DirectoryLocation {
  const classic = {
    disk: archive.readUInt16LE(end + 4),
    directoryDisk: archive.readUInt16LE(end + 6),
    entriesOnDisk: archive.readUInt16LE(end + 8),
    entryCount: archive.readUInt16LE(end + 10),
    bytes: archive.readUInt32LE(end + 12),
    offset: archive.readUInt32LE(end + 16),
  };
  const locator = end - ZIP64_LOCATOR_BYTES;
  if (locator < 0 || archive.readUInt32LE(locator) !== ZIP64_END_LOCATOR) {
    if (
      classic.entryCount === UINT16_MARK ||
      classic.bytes === UINT32_MARK ||
      classic.offset === UINT32_MARK
    ) {
      throw corrupt('its end record announces Zip64 values, but the Zip64 end record is missing');
    }
    if (classic.disk !== 0 || classic.directoryDisk !== 0 || classic.entriesOnDisk !== classic.entryCount) {
      throw unsupported('it is split across several disks');
    }
    return { entryCount: classic.entryCount, offset: classic.offset, bytes: classic.bytes, mustEndBy: end };
  }

  const recordDisk = archive.readUInt32LE(locator + 4);
  const recordOffset = readUInt64(archive, locator + 8, 'the Zip64 locator');
  const totalDisks = archive.readUInt32LE(locator + 16);
  // Some writers put 0 in the disk total of a single-disk archive.
  if (recordDisk !== 0 || totalDisks > 1) throw unsupported('it is split across several disks');
  if (
    recordOffset + ZIP64_END_RECORD_BYTES > locator ||
    archive.readUInt32LE(recordOffset) !== ZIP64_END_RECORD
  ) {
    throw corrupt('its Zip64 locator does not point at a Zip64 end record');
  }
  // The size counts what follows its own 12 bytes (signature and size), extensible data included.
  const recordSize = readUInt64(archive, recordOffset + 4, 'the Zip64 end record');
  if (recordSize < ZIP64_END_RECORD_BYTES - 12 || recordOffset + 12 + recordSize > locator) {
    throw corrupt('its Zip64 end record has an impossible size');
  }
  const zip64 = {
    disk: archive.readUInt32LE(recordOffset + 16),
    directoryDisk: archive.readUInt32LE(recordOffset + 20),
    entriesOnDisk: readUInt64(archive, recordOffset + 24, 'the Zip64 end record'),
    entryCount: readUInt64(archive, recordOffset + 32, 'the Zip64 end record'),
    bytes: readUInt64(archive, recordOffset + 40, 'the Zip64 end record'),
    offset: readUInt64(archive, recordOffset + 48, 'the Zip64 end record'),
  };
  if (zip64.disk !== 0 || zip64.directoryDisk !== 0 || zip64.entriesOnDisk !== zip64.entryCount) {
    throw unsupported('it is split across several disks');
  }
  const disagrees =
    (classic.entryCount !== UINT16_MARK && classic.entryCount !== zip64.entryCount) ||
    (classic.bytes !== UINT32_MARK && classic.bytes !== zip64.bytes) ||
    (classic.offset !== UINT32_MARK && classic.offset !== zip64.offset);
  if (disagrees) throw corrupt('its end record and its Zip64 end record describe different directories');
  return { entryCount: zip64.entryCount, offset: zip64.offset, bytes: zip64.bytes, mustEndBy: recordOffset };
}

/** A 64-bit field as a number; anything past 2^53 cannot lie inside a buffered upload. */
function readUInt64(buffer: Buffer, at: number, where: string): number {
  const value = buffer.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${where} holds an impossible size or offset`);
  return Number(value);
}

/**
 * The values of one header's Zip64 extra field, taken in order by `resolve` for each 32-bit
 * field that holds the mark. A mark without its value is an error; an extra field present for
 * fields that hold real values is ignored, as APPNOTE says it must not be there.
 */
class Zip64Values {
  readonly #block: Buffer | undefined;
  readonly #entryName: string;
  #at = 0;

  constructor(extra: Buffer, entryName: string) {
    this.#block = findExtraField(extra, ZIP64_EXTRA_FIELD, entryName);
    this.#entryName = entryName;
  }

  resolve(value32: number): number {
    if (value32 !== UINT32_MARK) return value32;
    if (!this.#block || this.#at + 8 > this.#block.length) {
      throw corrupt(`"${this.#entryName}" announces Zip64 sizes but lacks them`);
    }
    const value = readUInt64(this.#block, this.#at, `the Zip64 field of "${this.#entryName}"`);
    this.#at += 8;
    return value;
  }
}

function findExtraField(extra: Buffer, headerId: number, entryName: string): Buffer | undefined {
  let at = 0;
  while (at + 4 <= extra.length) {
    const size = extra.readUInt16LE(at + 2);
    if (extra.readUInt16LE(at) === headerId) {
      if (at + 4 + size > extra.length) throw corrupt(`an extra field of "${entryName}" overruns its header`);
      return extra.subarray(at + 4, at + 4 + size);
    }
    at += 4 + size;
  }
  return undefined;
}

/** Refuses names that could escape an extraction directory or mean different files on different systems. */
function checkEntryName(name: string): void {
  const unsafe =
    name === '' ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.startsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((segment) => segment === '..');
  if (unsafe) {
    throw new MeshValidationError(
      'zip-unsafe-entry-name',
      `The package holds an entry named "${name.slice(0, 200)}"; names must be relative paths with "/" and no "..".`,
    );
  }
}

interface CentralFields {
  readonly name: Buffer;
  readonly flags: number;
  readonly method: number;
  readonly entryCrc: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

/** Returns where the entry's data starts. */
function checkLocalHeader(archive: Buffer, offset: number, central: CentralFields): number {
  const shownName = central.name.toString('utf8');
  if (offset + LOCAL_HEADER_BYTES > archive.length || archive.readUInt32LE(offset) !== LOCAL_FILE_HEADER) {
    throw corrupt(`the local header of "${shownName}" is missing`);
  }
  const flags = archive.readUInt16LE(offset + 6);
  const method = archive.readUInt16LE(offset + 8);
  const nameBytes = archive.readUInt16LE(offset + 26);
  const extraBytes = archive.readUInt16LE(offset + 28);
  const nameStart = offset + LOCAL_HEADER_BYTES;
  const extraStart = nameStart + nameBytes;
  const dataOffset = extraStart + extraBytes;
  const sameEntry =
    dataOffset <= archive.length &&
    archive.subarray(nameStart, nameStart + nameBytes).equals(central.name) &&
    method === central.method &&
    (flags & FLAG_ENCRYPTED) === (central.flags & FLAG_ENCRYPTED);
  if (!sameEntry) throw headerMismatch(shownName, 'local header');
  // With a data descriptor the local sizes and CRC are zero; the descriptor is checked instead.
  if (flags & FLAG_DATA_DESCRIPTOR) return dataOffset;

  // A local Zip64 extra field holds the uncompressed size, then the compressed one.
  const zip64 = new Zip64Values(archive.subarray(extraStart, dataOffset), shownName);
  const sizesAgree =
    archive.readUInt32LE(offset + 14) === central.entryCrc &&
    zip64.resolve(archive.readUInt32LE(offset + 22)) === central.uncompressedSize &&
    zip64.resolve(archive.readUInt32LE(offset + 18)) === central.compressedSize;
  if (!sizesAgree) throw headerMismatch(shownName, 'local header');
  return dataOffset;
}

/**
 * The descriptor after the data of a streamed entry: an optional signature, the CRC, then both
 * sizes in 4 bytes each, or 8 bytes each when the entry is Zip64. Writers disagree on when they
 * use 8, so any of the four layouts is accepted if it repeats the central directory's values.
 * Returns where the descriptor ends.
 */
function checkDataDescriptor(archive: Buffer, at: number, limit: number, central: CentralFields): number {
  for (const signed of [true, false]) {
    const start = signed ? at + 4 : at;
    if (signed && (start > limit || archive.readUInt32LE(at) !== DATA_DESCRIPTOR)) continue;
    for (const sizeBytes of [4, 8]) {
      const end = start + 4 + 2 * sizeBytes;
      if (end > limit) continue;
      const read = (from: number) =>
        sizeBytes === 4 ? archive.readUInt32LE(from) : Number(archive.readBigUInt64LE(from));
      if (
        archive.readUInt32LE(start) === central.entryCrc &&
        read(start + 4) === central.compressedSize &&
        read(start + 4 + sizeBytes) === central.uncompressedSize
      ) {
        return end;
      }
    }
  }
  throw headerMismatch(central.name.toString('utf8'), 'data descriptor');
}

function headerMismatch(name: string, what: 'local header' | 'data descriptor'): MeshValidationError {
  return new MeshValidationError(
    'zip-header-mismatch',
    `The ${what} of "${name}" disagrees with the central directory; the package is damaged or crafted. Save it again.`,
  );
}

function checkNoOverlap(ranges: Array<readonly [number, number]>): void {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i]?.[0] ?? 0) < (sorted[i - 1]?.[1] ?? 0)) throw corrupt('two of its entries overlap');
  }
}

function inflateEntry(archive: Buffer, entry: ZipEntry): Buffer {
  const compressed = archive.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let data: Buffer;
  if (entry.method === METHOD_STORED) {
    data = compressed;
  } else {
    try {
      // One byte of headroom: a header that understates the size fails here instead of expanding.
      data = inflateRawSync(compressed, { maxOutputLength: entry.uncompressedSize + 1 });
    } catch (error) {
      throw new MeshValidationError(
        'zip-corrupt-entry',
        `"${entry.name}" cannot be decompressed (it is damaged or larger than its header says); save the package again.`,
        { cause: error },
      );
    }
  }
  if (data.length !== entry.uncompressedSize) {
    throw new MeshValidationError(
      'zip-corrupt-entry',
      `"${entry.name}" unpacks to ${data.length} bytes but its header says ${entry.uncompressedSize}; save the package again.`,
    );
  }
  if (crc32(data) !== entry.crc32) {
    throw new MeshValidationError(
      'zip-corrupt-entry',
      `"${entry.name}" fails its CRC-32 check; the upload is damaged. Upload it again.`,
    );
  }
  return data;
}

function unsupported(reason: string): MeshValidationError {
  return new MeshValidationError('zip-unsupported', `The package cannot be read: ${reason}.`);
}

function corrupt(reason: string): MeshValidationError {
  return new MeshValidationError('zip-invalid', `The package is not a valid zip: ${reason}.`);
}
