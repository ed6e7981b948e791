import { ID_PATTERN } from '../ids.ts';

const SERIAL_PATTERN = /^FC-([0-9A-HJKMNP-TV-Z]{26})-(\d{6,10})$/;

/**
 * The serial marked on a printed part: `FC-<license id>-<sequence>`, the sequence being the
 * license's own print counter (licenses.print_seq, never reused) padded to six digits. The whole
 * license id is kept, not a suffix of it: a suffix would collide between licenses as their number
 * grows, and the serial is what traces a part back to its license and print job.
 */
export function printSerial(licenseId: string, sequence: number): string {
  if (!ID_PATTERN.test(licenseId)) throw new RangeError('A license id is a ULID');
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 0xffff_ffff) {
    throw new RangeError('A print sequence is a positive 32-bit integer');
  }
  return `FC-${licenseId}-${String(sequence).padStart(6, '0')}`;
}

export function parsePrintSerial(serial: string): { licenseId: string; sequence: number } | undefined {
  const match = SERIAL_PATTERN.exec(serial);
  if (!match) return undefined;
  return { licenseId: match[1] as string, sequence: Number(match[2]) };
}
