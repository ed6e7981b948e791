import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { KeyWrapError, type KeyWrapper } from './key-wrapper.ts';

/**
 * Wraps data keys in-process with AES-256-GCM under a 32-byte master key, for local runs and
 * tests. Wrapped format: `version(1) || iv(12) || tag(16) || ciphertext(32)`. The version byte
 * is authenticated as AAD, so it cannot be swapped without failing the tag.
 */
const FORMAT_VERSION = 1;
const MASTER_KEY_BYTES = 32;
const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const WRAPPED_BYTES = HEADER_BYTES + DATA_KEY_BYTES;

export function createLocalKeyWrapper(masterKey: Buffer): KeyWrapper {
  if (masterKey.length !== MASTER_KEY_BYTES) {
    throw new KeyWrapError(`The master key must be ${MASTER_KEY_BYTES} bytes, got ${masterKey.length}`);
  }
  // Copied so a caller zeroing or reusing its buffer cannot change the key behind our back.
  const key = Buffer.from(masterKey);
  const versionAad = Buffer.of(FORMAT_VERSION);
  const keyRef = `local:${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;

  return {
    keyRef,
    async wrap(dataKey) {
      if (dataKey.length !== DATA_KEY_BYTES) {
        throw new KeyWrapError(`A data key must be ${DATA_KEY_BYTES} bytes, got ${dataKey.length}`);
      }
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(versionAad);
      const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
      return Buffer.concat([versionAad, iv, cipher.getAuthTag(), ciphertext]);
    },
    async unwrap(wrapped) {
      if (wrapped.length !== WRAPPED_BYTES) {
        throw new KeyWrapError(`A wrapped key must be ${WRAPPED_BYTES} bytes, got ${wrapped.length}`);
      }
      if (wrapped[0] !== FORMAT_VERSION) {
        throw new KeyWrapError(`Unknown wrapped key format version ${wrapped[0]}`);
      }
      const iv = wrapped.subarray(1, 1 + IV_BYTES);
      const tag = wrapped.subarray(1 + IV_BYTES, HEADER_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
          .setAAD(versionAad)
          .setAuthTag(tag);
        return Buffer.concat([decipher.update(wrapped.subarray(HEADER_BYTES)), decipher.final()]);
      } catch (err) {
        throw new KeyWrapError(`Wrapped key does not authenticate under ${keyRef}`, { cause: err });
      }
    },
  };
}
