import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PrinterKeyWrapError, unwrapOnPrinter, wrapForPrinter } from '#shared/crypto/printer-key-wrap.ts';

const printer = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('Module: printer key wrap', () => {
  it('wraps a 32-byte content key that only the printer’s private key opens', () => {
    // Prepare
    const contentKey = randomBytes(32);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

    // Act
    const wrapped = wrapForPrinter(printer.publicKey, contentKey);

    // Assess
    expect(wrapped).toHaveLength(256);
    expect(unwrapOnPrinter(printer.privateKey, wrapped).equals(contentKey)).toBe(true);
    expect(() => unwrapOnPrinter(other.privateKey, wrapped)).toThrow(PrinterKeyWrapError);
  });

  it('uses OAEP with SHA-256 (and MGF1-SHA-256): the SHA-1 default cannot open it', () => {
    // Prepare
    const contentKey = randomBytes(32);
    const wrapped = wrapForPrinter(printer.publicKey, contentKey);

    // Act
    const withSha256 = privateDecrypt(
      { key: printer.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrapped,
    );

    // Assess
    expect(withSha256.equals(contentKey)).toBe(true);
    expect(() =>
      privateDecrypt({ key: printer.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, wrapped),
    ).toThrow();
  });

  it('is randomised: the same key wraps differently each time', () => {
    // Prepare
    const contentKey = randomBytes(32);

    // Act
    const first = wrapForPrinter(printer.publicKey, contentKey);
    const second = wrapForPrinter(printer.publicKey, contentKey);

    // Assess
    expect(first.equals(second)).toBe(false);
  });

  it('refuses a key that is not RSA', () => {
    // Prepare
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

    // Act + Assess
    expect(() => wrapForPrinter(ec.publicKey, randomBytes(32))).toThrow(PrinterKeyWrapError);
  });
});
