import type { z } from 'zod';
import { lazyOnce } from '../base/lazy.ts';
import type { keyWrapperConfig } from '../config/platform.ts';
import { ConfigError } from '../errors.ts';
import { resourcePrincipal } from '../runtime/resource-principal.ts';
import type { KeyWrapper } from './key-wrapper.ts';
import { createLocalKeyWrapper } from './local-key-wrapper.ts';

export type KeyWrapperConfig = z.infer<z.ZodObject<typeof keyWrapperConfig>>;

/** Chooses the master key: the local key file's value, or OCI Vault through resource principals. */
export function keyWrapperFromConfig(config: KeyWrapperConfig): KeyWrapper {
  if (config.KEY_WRAPPER === 'local') {
    const key = Buffer.from(config.MASTER_KEY_BASE64 ?? '', 'base64');
    if (key.length !== 32)
      throw new ConfigError('MASTER_KEY_BASE64 must be 32 bytes, base64', ['MASTER_KEY_BASE64']);
    return createLocalKeyWrapper(key);
  }
  if (!config.KMS_CRYPTO_ENDPOINT || !config.KMS_KEY_ID) {
    throw new ConfigError('KEY_WRAPPER=oci-kms needs KMS_CRYPTO_ENDPOINT and KMS_KEY_ID', [
      'KMS_CRYPTO_ENDPOINT',
      'KMS_KEY_ID',
    ]);
  }
  return lazyOciWrapper(config.KMS_CRYPTO_ENDPOINT, config.KMS_KEY_ID);
}

/** oci-common and oci-keymanagement load on first use, outside the cold start. */
function lazyOciWrapper(cryptoEndpoint: string, keyId: string): KeyWrapper {
  const get = lazyOnce(async () => {
    const { createOciKmsKeyWrapper } = await import('./oci-kms-key-wrapper.ts');
    const authenticationDetailsProvider = await resourcePrincipal();
    return createOciKmsKeyWrapper({ cryptoEndpoint, keyId, authenticationDetailsProvider });
  });
  return {
    keyRef: `oci:${keyId}`,
    wrap: async (dataKey) => (await get()).wrap(dataKey),
    unwrap: async (wrapped) => (await get()).unwrap(wrapped),
  };
}
