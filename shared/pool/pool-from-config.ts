import { z } from 'zod';
import { lazyOnce } from '../base/lazy.ts';
import { configFields } from '../config/config.ts';
import { ConfigError } from '../errors.ts';
import { resourcePrincipal } from '../runtime/resource-principal.ts';
import type { ContainerPool } from './container-pool.ts';
import { createLocalContainerPool } from './local-container-pool.ts';

/** Which pool a scaler drives: Container Instances in a compartment, or the local cloud's slots. */
export const containerPoolConfig = {
  POOL_BACKEND: z.enum(['oci', 'local']),
  POOL_COMPARTMENT_ID: z.string().min(1).optional(),
  /** `key=value` freeform tag every pool member carries (Terraform sets it on each instance). */
  POOL_TAG: z
    .string()
    .regex(/^[^=\s]+=[^=\s]+$/, 'must be key=value')
    .default('forgecast-pool=transcoder'),
  POOL_CONTROL_URL: configFields.url.optional(),
};

export interface ContainerPoolConfig {
  readonly POOL_BACKEND: 'oci' | 'local';
  readonly POOL_COMPARTMENT_ID?: string | undefined;
  readonly POOL_TAG: string;
  readonly POOL_CONTROL_URL?: string | undefined;
}

export function containerPoolFromConfig(config: ContainerPoolConfig): ContainerPool {
  if (config.POOL_BACKEND === 'local') {
    if (!config.POOL_CONTROL_URL)
      throw new ConfigError('POOL_BACKEND=local needs POOL_CONTROL_URL', ['POOL_CONTROL_URL']);
    return createLocalContainerPool(config.POOL_CONTROL_URL);
  }
  if (!config.POOL_COMPARTMENT_ID)
    throw new ConfigError('POOL_BACKEND=oci needs POOL_COMPARTMENT_ID', ['POOL_COMPARTMENT_ID']);
  const [key = '', value = ''] = config.POOL_TAG.split('=');
  return lazyOciPool({
    compartmentId: config.POOL_COMPARTMENT_ID,
    tag: { key, value },
  });
}

/** Resource principals and oci-containerinstances load on first use, outside the cold start. */
function lazyOciPool(options: { compartmentId: string; tag: { key: string; value: string } }): ContainerPool {
  const get = lazyOnce<ContainerPool>(async () => {
    const { OciContainerPool } = await import('./oci-container-pool.ts');
    return new OciContainerPool({ ...options, authenticationDetailsProvider: await resourcePrincipal() });
  });
  return {
    list: async () => (await get()).list(),
    start: async (id) => (await get()).start(id),
    stop: async (id) => (await get()).stop(id),
  };
}
