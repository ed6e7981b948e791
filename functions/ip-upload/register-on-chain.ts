import { DESIGN_REGISTERED_TOPIC, type DesignRegistry } from '../../shared/chain/design-registry.ts';
import { orgChainAddress } from '../../shared/chain/org-address.ts';
import type { ChainClient } from '../../shared/chain/provider.ts';
import { sendSerialised } from '../../shared/chain/relayer.ts';
import type { DbPool } from '../../shared/db/pool.ts';
import type { Design } from '../../shared/designs/design.ts';
import { recordChainSubmission } from '../../shared/designs/design-repository.ts';
import { DependencyUnavailableError } from '../../shared/errors.ts';
import { idToBytes16 } from '../../shared/ids.ts';

const RECEIPT_TIMEOUT_MS = 30_000;

export type ChainOutcome =
  | { readonly kind: 'registered'; readonly txHash: string; readonly blockNumber: number }
  | { readonly kind: 'taken'; readonly byDesignId: string };

/**
 * Registers the fingerprint, safely repeatable: a transaction recorded by an earlier attempt is
 * awaited rather than resent; a registration already on chain for this design is adopted; one
 * for another design id is reported as taken. Chain trouble throws (the delivery is retried).
 */
export async function registerOnChain(
  deps: { pool: DbPool; client: ChainClient; registry: DesignRegistry; chainId: number },
  design: Design,
  sha256: Buffer,
): Promise<ChainOutcome> {
  const fingerprint = `0x${sha256.toString('hex')}`;
  const designId = idToBytes16(design.id);

  if (design.chain?.txHash) {
    const receipt = await deps.registry.receipt(deps.client, design.chain.txHash, RECEIPT_TIMEOUT_MS);
    if (receipt?.status === 1)
      return { kind: 'registered', txHash: receipt.hash, blockNumber: receipt.blockNumber };
    // Dropped or reverted: fall through and look at what the chain holds now.
  }

  const existing = await deps.registry.designOf(fingerprint);
  if (existing) {
    if (existing.designId.toLowerCase() !== designId) return { kind: 'taken', byDesignId: existing.designId };
    const found = await findRegistration(deps, fingerprint);
    return { kind: 'registered', ...found };
  }

  const txHash = await sendSerialised(deps.pool, deps.client, (nonce) =>
    deps.registry.sendRegister(fingerprint, designId, orgChainAddress(design.orgId), nonce),
  );
  await recordChainSubmission(deps.pool, design.id, {
    chainId: deps.chainId,
    registry: deps.registry.address,
    txHash,
  });
  const receipt = await deps.registry.receipt(deps.client, txHash, RECEIPT_TIMEOUT_MS);
  if (!receipt) throw new DependencyUnavailableError(`Registration ${txHash} not mined yet`);
  if (receipt.status !== 1) throw new DependencyUnavailableError(`Registration ${txHash} reverted`);
  return { kind: 'registered', txHash, blockNumber: receipt.blockNumber };
}

async function findRegistration(
  deps: { client: ChainClient; registry: DesignRegistry },
  fingerprint: string,
): Promise<{ txHash: string; blockNumber: number }> {
  const logs = await deps.client.provider.getLogs({
    address: deps.registry.address,
    fromBlock: 0,
    topics: [DESIGN_REGISTERED_TOPIC, fingerprint],
  });
  const log = logs[0];
  if (!log)
    throw new DependencyUnavailableError('Registration found on chain but its event is not indexed yet');
  return { txHash: log.transactionHash, blockNumber: log.blockNumber };
}
