import type { AuthenticationDetailsProvider } from 'oci-common';
import type { KmsCryptoClient } from 'oci-keymanagement';
import { commonJsExports } from '../base/commonjs.ts';
import { lazyOnce } from '../base/lazy.ts';
import { KeyWrapError, type KeyWrapper } from './key-wrapper.ts';

/**
 * Wraps data keys with an AES master key in OCI Vault through the vault's crypto endpoint
 * (`POST /20180608/encrypt` and `/20180608/decrypt`, JSON bodies with base64 `plaintext` and
 * `ciphertext`). OCI's ciphertext names the key version that made it, so unwrap works after
 * rotation without being told the version.
 */
export interface OciKmsKeyWrapperOptions {
  /** The vault's `cryptoEndpoint`, e.g. https://<vault>-crypto.kms.<region>.oraclecloud.com */
  readonly cryptoEndpoint: string;
  readonly keyId: string;
  /** Pins wrapping to one key version; without it OCI uses the key's current version. */
  readonly keyVersionId?: string;
  /** Resource principals inside OCI Functions and container instances. */
  readonly authenticationDetailsProvider: AuthenticationDetailsProvider;
}

export function createOciKmsKeyWrapper(options: OciKmsKeyWrapperOptions): KeyWrapper {
  const { keyId, keyVersionId } = options;
  /**
   * `oci-keymanagement` is imported on first use, keeping it off the function's cold-start path;
   * a failed import is not cached, so the next call can try again.
   */
  const cryptoClient = lazyOnce(() =>
    import('oci-keymanagement').then((loaded): KmsCryptoClient => {
      const KmsCrypto = commonJsExports(loaded).KmsCryptoClient;
      if (typeof KmsCrypto !== 'function')
        throw new KeyWrapError('oci-keymanagement does not export KmsCryptoClient');
      const created = new KmsCrypto({ authenticationDetailsProvider: options.authenticationDetailsProvider });
      created.endpoint = options.cryptoEndpoint.replace(/\/+$/, '');
      return created;
    }),
  );

  return {
    keyRef: keyVersionId === undefined ? `oci:${keyId}` : `oci:${keyId}:${keyVersionId}`,
    async wrap(dataKey) {
      if (dataKey.length === 0) throw new KeyWrapError('Refusing to wrap an empty data key');
      const kms = await cryptoClient();
      const response = await call('encrypt', () =>
        kms.encrypt({
          encryptDataDetails: {
            keyId,
            plaintext: dataKey.toString('base64'),
            ...(keyVersionId === undefined ? {} : { keyVersionId }),
          },
        }),
      );
      const wrapped = Buffer.from(response.encryptedData.ciphertext, 'base64');
      // Stored as bytes; make sure re-encoding gives OCI back exactly the text it issued.
      if (wrapped.length === 0 || wrapped.toString('base64') !== response.encryptedData.ciphertext) {
        throw new KeyWrapError('OCI KMS returned a ciphertext that is not canonical base64');
      }
      return wrapped;
    },
    async unwrap(wrapped) {
      if (wrapped.length === 0) throw new KeyWrapError('The wrapped key is empty');
      const kms = await cryptoClient();
      // No keyVersionId: the ciphertext carries its own, and a pinned newer version would not match it.
      const response = await call('decrypt', () =>
        kms.decrypt({ decryptDataDetails: { keyId, ciphertext: wrapped.toString('base64') } }),
      );
      return Buffer.from(response.decryptedData.plaintext, 'base64');
    },
  };
}

async function call<T>(operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    const status = (err as { statusCode?: unknown }).statusCode;
    const serviceCode = (err as { serviceCode?: unknown }).serviceCode;
    const detail = [
      typeof status === 'number' ? status : undefined,
      typeof serviceCode === 'string' ? serviceCode : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(' ');
    throw new KeyWrapError(`OCI KMS ${operation} failed${detail === '' ? '' : ` (${detail})`}`, {
      cause: err,
    });
  }
}
