import { crc32, inflateRawSync } from 'node:zlib';
import { MeshValidationError } from './types.ts';

export interface ZipLimits {
  readonly maxZipEntries: number;
  readonly maxUncompressedBytes: number;
  readonly maxCompressionRatio: number;
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
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const END_RECORD_BYTES = 22;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_LOCATOR_BYTES = 20;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_EXTRA_FIELD = 0x0001;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

/**
 * Reads the central directory of a zip held in memory and checks everything that can be checked
 * without inflating: structure, names, sizes, ratios and that every local header agrees with its
 * central entry (a mismatch is how some archives show one file to a validator and another to a
 * printer). Zip64, encryption and multi-disk archives are refused rather than half-supported.
 */
export function openZip(archive: Buffer, limits: ZipLimits): ZipArchive {
  const end = findEndRecord(archive);
  const diskNumber = archive.readUInt16LE(end + 4);
  const directoryDisk = archive.readUInt16LE(end + 6);
  const entriesOnDisk = archive.readUInt16LE(end + 8);
  const entryCount = archive.readUInt16LE(end + 10);
  const directoryBytes = archive.readUInt32LE(end + 12);
  const directoryOffset = archive.readUInt32LE(end + 16);

  const isZip64 =
    entryCount === 0xffff ||
    directoryBytes === 0xffffffff ||
    directoryOffset === 0xffffffff ||
    (end >= ZIP64_LOCATOR_BYTES && archive.readUInt32LE(end - ZIP64_LOCATOR_BYTES) === ZIP64_END_LOCATOR);
  if (isZip64) throw unsupported('it uses the Zip64 format; save it as a regular zip (under 4 GB)');
  if (diskNumber !== 0 || directoryDisk !== 0 || entriesOnDisk !== entryCount) {
    throw unsupported('it is split across several disks');
  }
  if (entryCount > limits.maxZipEntries) {
    throw new MeshValidationError(
      'zip-too-many-entries',
      `The package holds ${entryCount} files; at most ${limits.maxZipEntries} are accepted.`,
    );
  }
  if (directoryOffset + directoryBytes > end) throw corrupt('its central directory lies outside the file');

  const entries = new Map<string, ZipEntry>();
  const dataRanges: Array<readonly [number, number]> = [];
  let totalUncompressed = 0;
  let cursor = directoryOffset;
  for (let i = 0; i < entryCount; i++) {
    if (cursor + CENTRAL_HEADER_BYTES > directoryOffset + directoryBytes) {
      throw corrupt('its central directory is shorter than its entry count says');
    }
    if (archive.readUInt32LE(cursor) !== CENTRAL_DIRECTORY_HEADER) {
      throw corrupt(`central directory entry ${i} has a bad signature`);
    }
    const flags = archive.readUInt16LE(cursor + 8);
    const method = archive.readUInt16LE(cursor + 10);
    const entryCrc = archive.readUInt32LE(cursor + 16);
    const compressedSize = archive.readUInt32LE(cursor + 20);
    const uncompressedSize = archive.readUInt32LE(cursor + 24);
    const nameBytes = archive.readUInt16LE(cursor + 28);
    const extraBytes = archive.readUInt16LE(cursor + 30);
    const commentBytes = archive.readUInt16LE(cursor + 32);
    const localOffset = archive.readUInt32LE(cursor + 42);
    const nameEnd = cursor + CENTRAL_HEADER_BYTES + nameBytes;
    const next = nameEnd + extraBytes + commentBytes;
    if (next > directoryOffset + directoryBytes)
      throw corrupt(`central directory entry ${i} overruns the directory`);
    const rawName = archive.subarray(cursor + CENTRAL_HEADER_BYTES, nameEnd);
    const name = rawName.toString('utf8');

    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
      throw unsupported(`"${name}" is encrypted; upload an unencrypted package`);
    }
    if (
      compressedSize === 0xffffffff ||
      uncompressedSize === 0xffffffff ||
      localOffset === 0xffffffff ||
      hasExtraField(archive.subarray(nameEnd, nameEnd + extraBytes), ZIP64_EXTRA_FIELD)
    ) {
      throw unsupported(`"${name}" uses Zip64 sizes; save it as a regular zip (under 4 GB)`);
    }
    if (method !== METHOD_STORED && method !== METHOD_DEFLATE) {
      throw unsupported(`"${name}" uses compression method ${method}; only stored and deflate are supported`);
    }
    checkEntryName(name);
    if (entries.has(name)) throw corrupt(`it holds "${name}" twice`);

    totalUncompressed += uncompressedSize;
    if (totalUncompressed > limits.maxUncompressedBytes) {
      throw new MeshValidationError(
        'zip-too-large',
        `The package would unpack to more than ${limits.maxUncompressedBytes} bytes, the most we accept.`,
      );
    }
    if (uncompressedSize > limits.maxCompressionRatio * Math.max(compressedSize, 1)) {
      throw new MeshValidationError(
        'zip-compression-ratio',
        `"${name}" would expand ${Math.round(uncompressedSize / Math.max(compressedSize, 1))}-fold, more than the ${limits.maxCompressionRatio}-fold we accept; this looks like a zip bomb.`,
      );
    }
    if (method === METHOD_STORED && compressedSize !== uncompressedSize) {
      throw corrupt(`stored entry "${name}" has different compressed and uncompressed sizes`);
    }

    const dataOffset = checkLocalHeader(archive, localOffset, {
      name: rawName,
      flags,
      method,
      entryCrc,
      compressedSize,
      uncompressedSize,
    });
    if (dataOffset + compressedSize > directoryOffset)
      throw corrupt(`the data of "${name}" overruns the archive`);
    dataRanges.push([localOffset, dataOffset + compressedSize]);
    entries.set(name, { name, method, compressedSize, uncompressedSize, crc32: entryCrc, dataOffset });
    cursor = next;
  }
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

function hasExtraField(extra: Buffer, headerId: number): boolean {
  let at = 0;
  while (at + 4 <= extra.length) {
    if (extra.readUInt16LE(at) === headerId) return true;
    at += 4 + extra.readUInt16LE(at + 2);
  }
  return false;
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
  const dataOffset = nameStart + nameBytes + extraBytes;
  const mismatch =
    dataOffset > archive.length ||
    !archive.subarray(nameStart, nameStart + nameBytes).equals(central.name) ||
    method !== central.method ||
    (flags & FLAG_ENCRYPTED) !== (central.flags & FLAG_ENCRYPTED) ||
    // With a data descriptor the local sizes and CRC are zero; the central ones are authoritative.
    ((flags & FLAG_DATA_DESCRIPTOR) === 0 &&
      (archive.readUInt32LE(offset + 14) !== central.entryCrc ||
        archive.readUInt32LE(offset + 18) !== central.compressedSize ||
        archive.readUInt32LE(offset + 22) !== central.uncompressedSize));
  if (mismatch) {
    throw new MeshValidationError(
      'zip-header-mismatch',
      `The local header of "${shownName}" disagrees with the central directory; the package is damaged or crafted. Save it again.`,
    );
  }
  return dataOffset;
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
