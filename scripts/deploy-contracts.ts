/**
 * Deploys forgecast's contracts to any Ethereum JSON-RPC endpoint (a Besu QBFT network in
 * production) and grants the relayer its roles; prints the values Terraform needs.
 *
 *   CHAIN_RPC_URL=https://rpc.example:8545 DEPLOYER_KEY=0x… RELAYER_ADDRESS=0x… \
 *     node scripts/deploy-contracts.ts
 *
 * The deployer key is read from the environment only (never an argument: arguments end up in shell
 * history and process listings). The deployer keeps DEFAULT_ADMIN_ROLE; move it to a multisig or
 * cold key after deployment (docs/deploy.md).
 */
import { z } from 'zod';
import { createChainClient } from '#shared/chain/provider.ts';
import { readConfig } from '#shared/config/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { deployLocalContracts } from '../infra/local/deploy-contracts.ts';

const shape = {
  CHAIN_RPC_URL: z.url(),
  DEPLOYER_KEY: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex key'),
  RELAYER_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address'),
};

async function main(): Promise<void> {
  const config = readConfig(shape);
  const probe = await createChainClient({ rpcUrl: config.CHAIN_RPC_URL, privateKey: config.DEPLOYER_KEY });
  // The indexer starts at the block before deployment: no platform event can be older.
  const { chainId, blockNumber: startBlock } = await probe.ping().finally(() => probe.close());
  const addresses = await deployLocalContracts(
    config.CHAIN_RPC_URL,
    config.DEPLOYER_KEY,
    config.RELAYER_ADDRESS,
  );
  process.stdout.write(
    `${JSON.stringify(
      {
        chain_id: chainId,
        chain_start_block: startBlock,
        design_registry_address: addresses.DesignRegistry,
        license_ledger_address: addresses.LicenseLedger,
      },
      null,
      2,
    )}\n`,
  );
}

try {
  await main();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(64);
  }
  process.stderr.write(`deployment failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
