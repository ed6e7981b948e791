import type { AuthenticationDetailsProvider } from 'oci-common';
import { commonJsExports } from '../base/commonjs.ts';
import { lazyOnce } from '../base/lazy.ts';

/**
 * This process's OCI identity: the resource principal that Functions and Container Instances
 * inject (`OCI_RESOURCE_PRINCIPAL_*`). Built once and shared by every OCI adapter (the provider
 * refreshes its own session token); oci-common loads only when the first adapter needs it.
 */
export const resourcePrincipal: () => Promise<AuthenticationDetailsProvider> = lazyOnce(async () => {
  const common = commonJsExports(await import('oci-common'));
  return common.ResourcePrincipalAuthenticationDetailsProvider.builder();
});
