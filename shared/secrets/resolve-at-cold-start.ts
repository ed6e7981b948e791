import type { AuthenticationDetailsProvider } from 'oci-common';
import { log } from '../base/log.ts';
import { ConfigError } from '../errors.ts';
import { resourcePrincipal } from '../runtime/resource-principal.ts';
import { findSecretReferences, resolveSecretReferences } from './secret-references.ts';

/**
 * Replaces every `<KEY>_SECRET_OCID` in the environment with the secret itself, before any module
 * reads its config. A process with no references (every local run) loads nothing: resource
 * principals and the Secrets client are imported only when a reference exists. Returns the keys
 * resolved, for a log line.
 */
export async function resolveSecretsAtColdStart(
  env: Record<string, string | undefined> = process.env,
): Promise<readonly string[]> {
  const references = findSecretReferences(env);
  if (references.length === 0) return [];
  const variables = references.flatMap((reference) => [reference.key, reference.ocidVariable]);

  let provider: AuthenticationDetailsProvider;
  try {
    provider = await resourcePrincipal();
  } catch (err) {
    throw new ConfigError(
      `Vault references (${references.map((reference) => reference.key).join(', ')}) need a resource principal, and none is available: ${err instanceof Error ? err.message : 'unknown error'}`,
      variables,
      { cause: err },
    );
  }
  const { createOciSecretFetcher } = await import('./oci-secret-fetcher.ts');
  const endpoint = env.OCI_SECRETS_ENDPOINT?.trim();
  const fetcher = await createOciSecretFetcher({
    authenticationDetailsProvider: provider,
    ...(endpoint ? { endpoint } : {}),
  });
  return resolveSecretReferences(env, fetcher);
}

/**
 * A container worker's first step (the transcoder, the live ingest agent): Vault references
 * resolved, or the process says which variables are wrong and exits 78 (EX_CONFIG; a restart
 * cannot fix configuration).
 */
export async function resolveWorkerSecretsOrExit(): Promise<void> {
  try {
    const resolved = await resolveSecretsAtColdStart();
    if (resolved.length > 0) log.info('secrets resolved from OCI Vault', { keys: resolved });
  } catch (err) {
    if (err instanceof ConfigError) log.error(err.message, { variables: err.variables });
    else log.error('secrets could not be resolved', { error: err });
    process.exit(78);
  }
}
