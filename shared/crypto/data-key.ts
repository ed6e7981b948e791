import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';

/**
 * Per-design data keys and the AES-256-GCM streams that use them.
 *
 * GCM is a counter (stream) mode: the ciphertext is exactly as long as the plaintext, and the
 * 16-byte tag is kept apart (stored beside the wrapped key, not appended). A caller that knows
 * the plaintext size can therefore give object storage an exact Content-Length for the
 * encrypted upload instead of falling back to chunked or multipart transfer.
 */
const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A data key, IV or tag of the wrong size, a tag asked for too early, or a design that fails to authenticate. */
export class DesignCryptoError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DesignCryptoError';
  }
}

export interface DesignCipher {
  /** Random per design; store it beside the object (it is not secret). */
  readonly iv: Buffer;
  readonly cipher: Transform;
  /** The GCM tag; available once `cipher` has ended. */
  authTag(): Buffer;
}

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/** The same encryption as {@link DesignCipher} without a stream, for callers that drive their own. */
export interface DesignEncryptor {
  readonly iv: Buffer;
  /** The ciphertext of `chunk` (as long as it). */
  update(chunk: Buffer): Buffer;
  /** Ends the encryption: the last ciphertext bytes and the GCM tag. */
  final(): { tail: Buffer; authTag: Buffer };
}

/**
 * What AES-256-GCM is built with for one design: checks the key, draws the IV. For an encryptor
 * that runs elsewhere (the seal's worker thread), which must use exactly these.
 */
export function designGcmParameters(dataKey: Buffer): { iv: Buffer; authTagLength: number } {
  requireLength(dataKey, DATA_KEY_BYTES, 'data key');
  return { iv: randomBytes(IV_BYTES), authTagLength: TAG_BYTES };
}

/** `aad` (e.g. the object key) is authenticated but not encrypted; decryption must pass the same bytes. */
export function createDesignEncryptor(dataKey: Buffer, aad?: Buffer): DesignEncryptor {
  const { iv, authTagLength } = designGcmParameters(dataKey);
  const gcm = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength });
  if (aad !== undefined) gcm.setAAD(aad);
  return {
    iv,
    update: (chunk) => gcm.update(chunk),
    final: () => {
      const tail = gcm.final();
      return { tail, authTag: gcm.getAuthTag() };
    },
  };
}

/** `aad` (e.g. the object key) is authenticated but not encrypted; decryption must pass the same bytes. */
export function createDesignCipher(dataKey: Buffer, aad?: Buffer): DesignCipher {
  const { iv, update, final } = createDesignEncryptor(dataKey, aad);
  let tag: Buffer | undefined;
  const cipher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, update(chunk));
    },
    flush(callback) {
      const { tail, authTag } = final();
      tag = authTag;
      callback(null, tail);
    },
  });
  return {
    iv,
    cipher,
    authTag() {
      if (tag === undefined)
        throw new DesignCryptoError('The auth tag exists only after the cipher stream ends');
      return tag;
    },
  };
}

/**
 * Streams plaintext out as ciphertext arrives. GCM authenticates only at the end, so the output
 * must not be trusted (committed, or served as complete) until the stream ends without error;
 * a tampered ciphertext, tag, IV or AAD makes it fail with DesignCryptoError.
 */
export function createDesignDecipher(dataKey: Buffer, iv: Buffer, tag: Buffer, aad?: Buffer): Transform {
  requireLength(dataKey, DATA_KEY_BYTES, 'data key');
  requireLength(iv, IV_BYTES, 'IV');
  // A fixed tag length refuses truncated tags, which GCM would otherwise accept.
  requireLength(tag, TAG_BYTES, 'auth tag');
  const gcm = createDecipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
  if (aad !== undefined) gcm.setAAD(aad);
  gcm.setAuthTag(tag);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, gcm.update(chunk));
    },
    flush(callback) {
      try {
        callback(null, gcm.final());
      } catch (err) {
        callback(
          new DesignCryptoError('The design does not authenticate (tampered or wrong key)', { cause: err }),
        );
      }
    },
  });
}

function requireLength(value: Buffer, bytes: number, what: string): void {
  if (value.length !== bytes)
    throw new DesignCryptoError(`The ${what} must be ${bytes} bytes, got ${value.length}`);
}
