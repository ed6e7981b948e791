import { constants, type KeyObject, privateDecrypt, publicEncrypt } from 'node:crypto';

/**
 * Content keys travel to a printer wrapped with RSA-OAEP for that printer's public key, with
 * SHA-256 as both the OAEP digest and the MGF1 digest: the `rsa-oaep` + `mgf1sha256` pairing the
 * 3MF Secure Content extension names for a consumer key. Node uses the OAEP hash for MGF1 too,
 * which is exactly that pairing.
 */
export const PRINTER_KEY_WRAP = {
  wrappingAlgorithm: 'http://www.w3.org/2009/xmlenc11#rsa-oaep',
  mgfAlgorithm: 'http://www.w3.org/2009/xmlenc11#mgf1sha256',
  digestMethod: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

/** A key that is not an RSA key, or a ciphertext that is not for this printer's key. */
export class PrinterKeyWrapError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PrinterKeyWrapError';
  }
}

export function wrapForPrinter(printerKey: KeyObject, contentKey: Buffer): Buffer {
  if (printerKey.asymmetricKeyType !== 'rsa') {
    throw new PrinterKeyWrapError('Content keys are wrapped for RSA printer keys only');
  }
  return publicEncrypt(
    { key: printerKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    contentKey,
  );
}

/** What the printer does with its private key; the platform itself never holds one. */
export function unwrapOnPrinter(printerPrivateKey: KeyObject, wrapped: Buffer): Buffer {
  try {
    return privateDecrypt(
      { key: printerPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrapped,
    );
  } catch (err) {
    throw new PrinterKeyWrapError('The wrapped key does not open with this private key', { cause: err });
  }
}
