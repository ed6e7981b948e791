import { describe, expect, it } from 'vitest';
import { newId } from '#shared/ids.ts';
import { parsePrintSerial, printSerial } from '#shared/licenses/print-serial.ts';

describe('Module: print serial', () => {
  it('is FC-<license id>-<sequence padded to six digits>', () => {
    // Prepare
    const licenseId = newId();

    // Act + Assess
    expect(printSerial(licenseId, 42)).toBe(`FC-${licenseId}-000042`);
    expect(printSerial(licenseId, 1)).toBe(`FC-${licenseId}-000001`);
    expect(printSerial(licenseId, 1_234_567)).toBe(`FC-${licenseId}-1234567`);
  });

  it('differs between licenses whose ids share their last characters', () => {
    // Prepare
    const tail = newId().slice(-8);
    const a = `${newId().slice(0, 18)}${tail}`;
    const b = `${newId(Date.now() + 1000).slice(0, 18)}${tail}`;

    // Act + Assess
    expect(printSerial(a, 7)).not.toBe(printSerial(b, 7));
  });

  it('fits the print_jobs.serial column at the largest sequence', () => {
    // Act + Assess
    expect(printSerial(newId(), 0xffff_ffff).length).toBeLessThanOrEqual(64);
  });

  it('parses back to license and sequence', () => {
    // Prepare
    const licenseId = newId();

    // Act + Assess
    expect(parsePrintSerial(printSerial(licenseId, 42))).toEqual({ licenseId, sequence: 42 });
    expect(parsePrintSerial(`FC-${licenseId}-42`)).toBeUndefined();
    expect(parsePrintSerial('FC-12345678-000042')).toBeUndefined();
  });

  it.each([0, -1, 1.5, 2 ** 32])('refuses sequence %s', (sequence) => {
    // Act + Assess
    expect(() => printSerial(newId(), sequence)).toThrow(RangeError);
  });

  it('refuses a license id that is not a ULID', () => {
    // Act + Assess
    expect(() => printSerial('license-1', 1)).toThrow(RangeError);
  });
});
