/**
 * The local cloud's chain: Hardhat 3's in-process EDR simulator, exposed as JSON-RPC over HTTP on
 * loopback so functions running as separate processes use it exactly like the production node.
 *
 * The chain lives in memory and is ephemeral: every `npm start` begins at block 0 and contracts are
 * redeployed, so anything stored off chain (the database) must tolerate addresses and history
 * vanishing. EDR (0.22) has no state dump/load (no `anvil_dumpState` equivalent), and the hardhat
 * set* methods cannot rebuild a state because storage slots cannot be enumerated.
 */
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createChainRpcServer } from './chain-rpc-server.ts';
import { listen } from './listen.ts';

export interface LocalChainOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Loopback only: the chain's accounts are funded with publicly known keys. */
  readonly host?: '127.0.0.1';
  /**
   * Also mine an empty block this often (transactions still mine at once). Without it an idle
   * chain never advances, and the indexer's confirmation depth would never be reached.
   */
  readonly blockIntervalMs?: number;
  readonly log?: (line: string) => void;
}

export interface LocalChain {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly accounts: { readonly deployer: string; readonly relayer: string };
  /** Keys of the funded accounts, for processes that sign their own transactions. */
  readonly privateKeys: { readonly deployer: string; readonly relayer: string };
  stop(): Promise<void>;
}

export class LocalChainError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalChainError';
  }
}

/** Hardhat's conventional chain id; wallets and tools recognise it as a dev chain. */
export const LOCAL_CHAIN_ID = 31337;
/** Same fork the contracts are compiled for (scripts/compile-contracts.ts EVM_VERSION). */
const LOCAL_HARDFORK = 'cancun';
const NETWORK_NAME = 'localCloud';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

type HardhatModule = typeof import('hardhat/hre');
type Connection = Awaited<
  ReturnType<Awaited<ReturnType<HardhatModule['createHardhatRuntimeEnvironment']>>['network']['connect']>
>;

/**
 * EDR does not hand out the keys of its funded accounts; Hardhat derives them from the network's
 * accounts config (by default the public "test test ... junk" mnemonic, BIP-44 path
 * m/44'/60'/0'/0/i, see hardhat's network-manager/edr/edr-constants.js). We derive them the same
 * way from the resolved config, then check them against eth_accounts below.
 */
async function fundedPrivateKeys(connection: Connection, count: number): Promise<string[]> {
  const config = connection.networkConfig;
  if (config.type !== 'edr-simulated') {
    throw new LocalChainError(`Expected an EDR network, got ${config.type}`);
  }
  const accounts = config.accounts;
  if (Array.isArray(accounts)) {
    return Promise.all(accounts.slice(0, count).map((account) => account.privateKey.getHexString()));
  }
  const { HDNodeWallet, Mnemonic } = await import('ethers');
  const mnemonic = Mnemonic.fromPhrase(await accounts.mnemonic.get(), await accounts.passphrase.get());
  const root = HDNodeWallet.fromSeed(mnemonic.computeSeed());
  const basePath = accounts.path.replace(/\/$/, '');
  return Array.from(
    { length: count },
    (_, offset) => root.derivePath(`${basePath}/${accounts.initialIndex + offset}`).privateKey,
  );
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) =>
    server.close((err) => (err ? reject(err) : resolve())),
  );
  // Keep-alive sockets from ethers would otherwise hold close() open for seconds.
  server.closeAllConnections();
  await closed;
}

export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  // hardhat/hre instead of `import('hardhat')`: the latter builds a global runtime from the
  // closest hardhat.config.* above process.cwd(), so it would depend on where we were started
  // from. An explicit config needs no config file and never triggers a compiler download.
  const { createHardhatRuntimeEnvironment } = await import('hardhat/hre');
  const hre = await createHardhatRuntimeEnvironment(
    {
      networks: {
        [NETWORK_NAME]: {
          type: 'edr-simulated',
          chainType: 'l1',
          chainId: LOCAL_CHAIN_ID,
          hardfork: LOCAL_HARDFORK,
          // A real node (Besu, geth) mines a reverting transaction and returns its hash; Hardhat by
          // default answers eth_sendRawTransaction with an error instead, although the nonce is
          // consumed. The relayer must see production behaviour: hash, then a status-0 receipt.
          throwOnTransactionFailures: false,
        },
      },
    },
    {},
    repoRoot,
  );
  const connection = await hre.network.connect({ network: NETWORK_NAME });
  let server: Server | undefined;
  try {
    const [deployerKey, relayerKey] = await fundedPrivateKeys(connection, 2);
    const exposed = (await connection.provider.request({ method: 'eth_accounts' })) as string[];
    const { computeAddress } = await import('ethers');
    if (deployerKey === undefined || relayerKey === undefined) {
      throw new LocalChainError('The local chain has fewer than two funded accounts');
    }
    const deployer = computeAddress(deployerKey);
    const relayer = computeAddress(relayerKey);
    if (
      exposed[0]?.toLowerCase() !== deployer.toLowerCase() ||
      exposed[1]?.toLowerCase() !== relayer.toLowerCase()
    ) {
      throw new LocalChainError(
        'Derived account keys do not match the chain accounts; Hardhat changed its derivation',
      );
    }

    if (options.blockIntervalMs !== undefined) {
      await connection.provider.request({
        method: 'evm_setIntervalMining',
        params: [options.blockIntervalMs],
      });
    }

    server = createChainRpcServer(connection.provider, { log });
    const address = await listen(server, options.port ?? 0, host, 'the chain JSON-RPC server');
    const rpcUrl = `http://${host}:${address.port}`;
    log(
      `chain: EDR ${LOCAL_HARDFORK} chain ${LOCAL_CHAIN_ID} at ${rpcUrl} (in memory, reset at every start)`,
    );

    let stopping: Promise<void> | undefined;
    const runningServer = server;
    return {
      rpcUrl,
      chainId: LOCAL_CHAIN_ID,
      accounts: { deployer, relayer },
      privateKeys: { deployer: deployerKey, relayer: relayerKey },
      stop() {
        stopping ??= (async () => {
          await closeServer(runningServer);
          await connection.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    if (server?.listening) await closeServer(server);
    await connection.close();
    throw err instanceof LocalChainError
      ? err
      : new LocalChainError('The local chain failed to start', { cause: err });
  }
}
