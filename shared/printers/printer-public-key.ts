import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AppError } from '../errors.ts';

/** The largest PEM accepted (a 4096-bit RSA key is about 800 bytes). */
export const MAX_PUBLIC_KEY_PEM_BYTES = 4096;
const MIN_MODULUS_BITS = 2048;
const MAX_MODULUS_BITS = 8192;
const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;

/** The public key a printer registers with cannot receive wrapped content keys; says why. */
export class InvalidPrinterKeyError extends AppError {
  readonly status = 400;
  readonly slug = 'invalid-public-key';
  readonly title = 'The printer public key is not usable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, extensions: { code: 'invalid_public_key' } });
  }
}

export interface PrinterPublicKey {
  readonly key: KeyObject;
  /** Canonical SPKI PEM as stored. */
  readonly pem: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo: the key id a grant names. */
  readonly sha256: Buffer;
}

/**
 * Accepts only an RSA SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`) of 2048 to 8192 bits: the
 * key a printer's content keys are wrapped for with RSA-OAEP. The header is checked first,
 * because node would happily derive a public key from a private key or a certificate.
 */
export function parsePrinterPublicKey(pem: string): PrinterPublicKey {
  if (Buffer.byteLength(pem, 'utf8') > MAX_PUBLIC_KEY_PEM_BYTES) {
    throw new InvalidPrinterKeyError(`The public key PEM is larger than ${MAX_PUBLIC_KEY_PEM_BYTES} bytes`);
  }
  const trimmed = pem.trim();
  if (!SPKI_PEM.test(trimmed)) {
    throw new InvalidPrinterKeyError(
      'publicKeyPem must be one SubjectPublicKeyInfo PEM block (-----BEGIN PUBLIC KEY-----)',
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: trimmed, format: 'pem', type: 'spki' });
  } catch (err) {
    throw new InvalidPrinterKeyError('publicKeyPem is not a well-formed public key', { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new InvalidPrinterKeyError(
      `The printer key must be RSA (for RSA-OAEP key wrapping), not ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS || bits > MAX_MODULUS_BITS) {
    throw new InvalidPrinterKeyError(
      `The RSA key must have ${MIN_MODULUS_BITS} to ${MAX_MODULUS_BITS} bits, this one has ${bits}`,
    );
  }
  const der = key.export({ format: 'der', type: 'spki' });
  return {
    key,
    pem: key.export({ format: 'pem', type: 'spki' }).toString(),
    sha256: createHash('sha256').update(der).digest(),
  };
}
