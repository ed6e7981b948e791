/**
 * Compiled contract artifacts (written by scripts/compile-contracts.ts) and deployment.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InterfaceAbi } from 'ethers';
import type { ChainClient } from './provider.ts';

export interface ContractArtifact {
  readonly contractName: string;
  readonly sourceName: string;
  readonly abi: InterfaceAbi;
  /** Creation bytecode, 0x-prefixed; `0x` for interfaces and abstract contracts. */
  readonly bytecode: string;
  readonly deployedBytecode: string;
  /** Hash of the sources, settings and compiler that produced this artifact. */
  readonly sourceHash: string;
}

export class ContractArtifactError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContractArtifactError';
  }
}

export class ContractDeploymentError extends Error {
  readonly contractName: string;
  constructor(message: string, contractName: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContractDeploymentError';
    this.contractName = contractName;
  }
}

export const defaultArtifactsDir = fileURLToPath(new URL('../../artifacts/', import.meta.url));
/** A contract name becomes a file name: allow only what Solidity allows in an identifier. */
const CONTRACT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export async function loadArtifact(name: string, directory = defaultArtifactsDir): Promise<ContractArtifact> {
  if (!CONTRACT_NAME.test(name))
    throw new ContractArtifactError(`Not a contract name: ${JSON.stringify(name)}`);
  const filePath = path.join(directory, `${name}.json`);
  let artifact: ContractArtifact;
  try {
    artifact = JSON.parse(await readFile(filePath, 'utf8')) as ContractArtifact;
  } catch (err) {
    throw new ContractArtifactError(
      `Cannot load artifact ${name} from ${filePath}; run scripts/compile-contracts.ts`,
      {
        cause: err,
      },
    );
  }
  if (!Array.isArray(artifact.abi) || typeof artifact.bytecode !== 'string') {
    throw new ContractArtifactError(`Artifact ${filePath} lacks abi or bytecode`);
  }
  return artifact;
}

export interface DeployOptions {
  /** Constructor arguments by contract name; contracts not listed get none. */
  readonly constructorArgs?: Readonly<Record<string, readonly unknown[]>>;
  readonly artifactsDir?: string;
}

/**
 * Deploys `names` one after another from the client's wallet (in order, so nonces stay simple)
 * and returns their addresses by name once each deployment is mined.
 */
export async function deployContracts(
  client: ChainClient,
  names: readonly string[],
  options: DeployOptions = {},
): Promise<Record<string, string>> {
  const { ContractFactory } = await import('ethers');
  const addresses: Record<string, string> = {};
  for (const name of names) {
    const artifact = await loadArtifact(name, options.artifactsDir);
    if (artifact.bytecode === '0x') {
      throw new ContractDeploymentError(`${name} has no bytecode (interface or abstract contract)`, name);
    }
    try {
      const factory = new ContractFactory(artifact.abi, artifact.bytecode, client.wallet);
      const contract = await factory.deploy(...(options.constructorArgs?.[name] ?? []));
      await contract.waitForDeployment();
      addresses[name] = await contract.getAddress();
    } catch (err) {
      throw new ContractDeploymentError(`Deploying ${name} failed`, name, { cause: err });
    }
  }
  return addresses;
}
