/**
 * Deploys the platform's contracts to the local chain at every start (the chain is in memory,
 * see chain.ts) and lets the relayer register designs.
 */

import { ContractDeploymentError, deployContracts } from '#shared/chain/contracts.ts';
import { createChainClient } from '#shared/chain/provider.ts';
import { compileContracts } from '../../scripts/compile-contracts.ts';

export interface LocalContractAddresses {
  readonly DesignRegistry: string;
  readonly LicenseLedger: string;
}

/** Roles the relayer key holds on the LicenseLedger (production splits them across keys; see docs). */
const RELAYER_LEDGER_ROLES = ['MINTER_ROLE', 'SETTLER_ROLE', 'VOUCHER_SIGNER_ROLE'] as const;

export async function deployLocalContracts(
  rpcUrl: string,
  deployerKey: string,
  relayerAddress: string,
): Promise<LocalContractAddresses> {
  const artifacts = await compileContracts();
  const registryArtifact = artifacts.DesignRegistry;
  const ledgerArtifact = artifacts.LicenseLedger;
  if (registryArtifact === undefined || ledgerArtifact === undefined) {
    throw new ContractDeploymentError(
      'contracts/ no longer defines DesignRegistry and LicenseLedger',
      'DesignRegistry',
    );
  }

  const client = await createChainClient({ rpcUrl, privateKey: deployerKey });
  try {
    const { DesignRegistry, LicenseLedger } = await deployContracts(
      client,
      ['DesignRegistry', 'LicenseLedger'],
      {
        constructorArgs: { DesignRegistry: [client.address], LicenseLedger: [client.address] },
      },
    );
    if (DesignRegistry === undefined || LicenseLedger === undefined) {
      throw new ContractDeploymentError('A platform contract was not deployed', 'DesignRegistry');
    }

    const { Contract } = await import('ethers');
    const registry = new Contract(DesignRegistry, registryArtifact.abi, client.wallet);
    const ledger = new Contract(LicenseLedger, ledgerArtifact.abi, client.wallet);
    const grants: Array<[typeof registry, string]> = [
      [registry, 'REGISTRAR_ROLE'],
      ...RELAYER_LEDGER_ROLES.map((role): [typeof ledger, string] => [ledger, role]),
    ];
    for (const [contract, roleName] of grants) {
      const role = (await contract.getFunction(roleName)()) as string;
      const grant = await contract.getFunction('grantRole')(role, relayerAddress);
      await grant.wait();
    }
    return { DesignRegistry, LicenseLedger };
  } finally {
    client.close();
  }
}
