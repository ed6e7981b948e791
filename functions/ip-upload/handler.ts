import { objectStorageEventSchema } from '#events/object-storage-event.ts';
import { lazyOnce } from '#shared/base/lazy.ts';
import { DesignRegistry } from '#shared/chain/design-registry.ts';
import { createChainClient } from '#shared/chain/provider.ts';
import { TxRelayer } from '#shared/chain/tx-relayer.ts';
import { keyWrapperFromConfig } from '#shared/crypto/key-wrapper-from-config.ts';
import { createPool } from '#shared/db/pool.ts';
import { designIdFromUploadKey } from '#shared/designs/design.ts';
import { ConfigError } from '#shared/errors.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';
import { objectStoreFromConfig } from '#shared/storage/s3-object-store.ts';
import { loadIpUploadConfig } from './config.ts';
import { ipUploadManifest } from './manifest.ts';
import { processUpload, type UploadDeps } from './process-upload.ts';
import { runDesignWatchdog } from './watchdog.ts';

const config = loadIpUploadConfig();
const pool = createPool(config.MYSQL_URL);
const store = objectStoreFromConfig(config);
const keys = keyWrapperFromConfig(config);
const metrics = processMetrics().with({ function: ipUploadManifest.name });

/**
 * The chain client and relayer are made on first use: ethers stays out of the cold start. The
 * relayer is the one every function sending from this key uses, so they share one nonce series.
 */
const dependencies = lazyOnce(async (): Promise<UploadDeps> => {
  const client = await createChainClient({
    rpcUrl: config.CHAIN_RPC_URL,
    privateKey: config.CHAIN_RELAYER_KEY,
    ...(config.CHAIN_ID === undefined ? {} : { chainId: config.CHAIN_ID }),
  });
  const [relayer, registry] = await Promise.all([
    TxRelayer.create(pool, client),
    DesignRegistry.connect(client, config.DESIGN_REGISTRY_ADDRESS),
  ]).catch((err: unknown) => {
    client.close();
    throw err;
  });
  if (config.CHAIN_ID !== undefined && relayer.chainId !== config.CHAIN_ID) {
    client.close();
    throw new ConfigError(
      `CHAIN_ID is ${config.CHAIN_ID} but the node at CHAIN_RPC_URL serves chain ${relayer.chainId}`,
      ['CHAIN_ID'],
    );
  }
  return {
    pool,
    store,
    keys,
    chain: { relayer, registry },
    buckets: { incoming: config.INCOMING_BUCKET, vault: config.VAULT_BUCKET, media: config.MEDIA_BUCKET },
  };
});

export const handler = scheduledFunction(
  ipUploadManifest,
  async () => {
    const watchdog = {
      pool,
      store,
      incomingBucket: config.INCOMING_BUCKET,
      redrive: async (designId: string, etag: string) => processUpload(await dependencies(), designId, etag),
      metrics,
    };
    const summary = await runDesignWatchdog(watchdog, {
      graceSeconds: config.DESIGN_WATCHDOG_GRACE_SECONDS,
      batch: config.DESIGN_WATCHDOG_BATCH,
      // Half the function's timeout: a design started late still has time to finish.
      budgetMs: (ipUploadManifest.timeoutSeconds * 1000) / 2,
    });
    return { status: 'processed', detail: { ...summary } };
  },
  {
    schema: objectStorageEventSchema,
    handle: async (event) => {
      const details = event.data.additionalDetails;
      if (details.bucketName !== config.INCOMING_BUCKET) {
        return { status: 'ignored', reason: `bucket ${details.bucketName} is not the incoming bucket` };
      }
      const designId = designIdFromUploadKey(event.data.resourceName);
      if (!designId) return { status: 'ignored', reason: 'object name is not a design upload' };
      return processUpload(await dependencies(), designId, details.eTag ?? event.eventID);
    },
  },
);
