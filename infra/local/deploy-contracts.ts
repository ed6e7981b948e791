/**
 * Deploys the platform's contracts to the local chain at every start (the chain is in memory,
 * see chain.ts) and lets the relayer register designs.
 */
import { compileContracts } from '../../scripts/compile-contracts.ts';
import { ContractDeploymentError, deployContracts } from '../../shared/chain/contracts.ts';
import { createChainClient } from '../../shared/chain/provider.ts';

export interface LocalContractAddresses {
  readonly DesignRegistry: string;
}

export async function deployLocalContracts(
  rpcUrl: string,
  deployerKey: string,
  relayerAddress: string,
): Promise<LocalContractAddresses> {
  const artifacts = await compileContracts();
  const registryArtifact = artifacts.DesignRegistry;
  if (registryArtifact === undefined) {
    throw new ContractDeploymentError('contracts/ no longer defines DesignRegistry', 'DesignRegistry');
  }

  const client = await createChainClient({ rpcUrl, privateKey: deployerKey });
  try {
    const { DesignRegistry } = await deployContracts(client, ['DesignRegistry'], {
      constructorArgs: { DesignRegistry: [client.address] },
    });
    if (DesignRegistry === undefined) {
      throw new ContractDeploymentError('DesignRegistry was not deployed', 'DesignRegistry');
    }

    const { Contract } = await import('ethers');
    const registry = new Contract(DesignRegistry, registryArtifact.abi, client.wallet);
    const registrarRole = (await registry.getFunction('REGISTRAR_ROLE')()) as string;
    const grant = await registry.getFunction('grantRole')(registrarRole, relayerAddress);
    await grant.wait();
    return { DesignRegistry };
  } finally {
    client.close();
  }
}
