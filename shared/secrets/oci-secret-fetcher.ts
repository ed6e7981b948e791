import type { AuthenticationDetailsProvider } from 'oci-common';
import { commonJsExports } from '../base/commonjs.ts';
import type { SecretFetcher } from './secret-references.ts';

export interface OciSecretFetcherOptions {
  /** Resource principals inside OCI Functions and container instances. */
  readonly authenticationDetailsProvider: AuthenticationDetailsProvider;
  /** Overrides the regional `https://secrets.vaults.<region>.oci.oraclecloud.com` (tests). */
  readonly endpoint?: string;
  /** Attempts per secret, retries included: a cold start should fail, not hang. */
  readonly maxAttempts?: number;
}

/** The bundle held something other than base64 text (the only content type Vault serves today). */
export class SecretContentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretContentError';
  }
}

/**
 * Reads the CURRENT version of a Vault secret through the Secrets retrieval API
 * (`GET /20190301/secretbundles/{secretId}?stage=CURRENT`) and decodes its BASE64 content.
 */
export async function createOciSecretFetcher(options: OciSecretFetcherOptions): Promise<SecretFetcher> {
  const [secrets, common] = await Promise.all([
    import('oci-secrets').then(commonJsExports),
    import('oci-common').then(commonJsExports),
  ]);
  const client = new secrets.SecretsClient(
    { authenticationDetailsProvider: options.authenticationDetailsProvider },
    {
      retryConfiguration: {
        terminationStrategy: new common.MaxAttemptsTerminationStrategy(options.maxAttempts ?? 3),
      },
    },
  );
  if (options.endpoint) client.endpoint = options.endpoint.replace(/\/+$/, '');

  return async (secretOcid) => {
    const { secretBundle } = await client.getSecretBundle({
      secretId: secretOcid,
      stage: secrets.requests.GetSecretBundleRequest.Stage.Current,
    });
    const content = secretBundle.secretBundleContent;
    if (content?.contentType !== 'BASE64' || typeof content.content !== 'string') {
      throw new SecretContentError('The secret bundle has no BASE64 content');
    }
    return Buffer.from(content.content, 'base64').toString('utf8');
  };
}
