import { lazyOnce } from '../base/lazy.ts';
import { LicenseLedger } from '../chain/license-ledger.ts';
import { type ChainClient, createChainClient } from '../chain/provider.ts';
import { TxRelayer } from '../chain/tx-relayer.ts';
import type { DbPool } from '../db/pool.ts';

export interface LedgerConnection {
  readonly client: ChainClient;
  readonly relayer: TxRelayer;
  readonly ledger: LicenseLedger;
}

export interface LedgerConnectionConfig {
  readonly CHAIN_RPC_URL: string;
  readonly CHAIN_RELAYER_KEY: string;
  readonly CHAIN_ID?: number | undefined;
  readonly LICENSE_LEDGER_ADDRESS: string;
}

/**
 * The chain client, relayer and LicenseLedger a licensing function needs, made on first use (ethers
 * stays out of the cold start) and once per container; a failed attempt (node down) is forgotten so
 * the next call tries again instead of keeping the failure.
 */
export function lazyLedgerConnection(
  pool: DbPool,
  config: LedgerConnectionConfig,
  options: { pollingIntervalMs?: number } = {},
): () => Promise<LedgerConnection> {
  return lazyOnce(async () => {
    const client = await createChainClient({
      rpcUrl: config.CHAIN_RPC_URL,
      privateKey: config.CHAIN_RELAYER_KEY,
      ...(config.CHAIN_ID === undefined ? {} : { chainId: config.CHAIN_ID }),
      ...options,
    });
    try {
      const [relayer, ledger] = await Promise.all([
        TxRelayer.create(pool, client),
        LicenseLedger.connect(client, config.LICENSE_LEDGER_ADDRESS),
      ]);
      return { client, relayer, ledger };
    } catch (err) {
      client.close();
      throw err;
    }
  });
}
