import { Contract, JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '#shared/chain/contracts.ts';
import { runScript } from '#test/support/run-script.ts';
import { type LocalChain, startLocalChain } from '../../../infra/local/chain.ts';

const SCRIPT = new URL('../../../scripts/deploy-contracts.ts', import.meta.url);

describe('scripts/deploy-contracts.ts against a JSON-RPC chain', () => {
  let chain: LocalChain;

  beforeAll(async () => {
    chain = await startLocalChain();
  });
  afterAll(async () => {
    await chain?.stop();
  });

  it('deploys both contracts, grants the relayer its roles and prints the Terraform values', async () => {
    const outcome = await runScript(SCRIPT, {
      CHAIN_RPC_URL: chain.rpcUrl,
      DEPLOYER_KEY: chain.privateKeys.deployer,
      RELAYER_ADDRESS: chain.accounts.relayer,
    });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    const printed = JSON.parse(outcome.stdout) as Record<string, unknown>;
    expect(printed).toEqual({
      chain_id: chain.chainId,
      chain_start_block: expect.any(Number),
      design_registry_address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      license_ledger_address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
    });

    const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
    try {
      const ledger = new Contract(
        String(printed.license_ledger_address),
        (await loadArtifact('LicenseLedger')).abi,
        provider,
      );
      const registry = new Contract(
        String(printed.design_registry_address),
        (await loadArtifact('DesignRegistry')).abi,
        provider,
      );
      const minter = (await ledger.getFunction('MINTER_ROLE')()) as string;
      const registrar = (await registry.getFunction('REGISTRAR_ROLE')()) as string;
      expect(await ledger.getFunction('hasRole')(minter, chain.accounts.relayer)).toBe(true);
      expect(await registry.getFunction('hasRole')(registrar, chain.accounts.relayer)).toBe(true);
      expect(await ledger.getFunction('hasRole')(minter, chain.accounts.deployer)).toBe(false);
    } finally {
      provider.destroy();
    }
  });

  it('refuses a missing or malformed key by name, without echoing it, before touching the chain', async () => {
    const outcome = await runScript(SCRIPT, {
      CHAIN_RPC_URL: chain.rpcUrl,
      DEPLOYER_KEY: '0xnot-a-key-but-a-secret',
      RELAYER_ADDRESS: chain.accounts.relayer,
    });
    expect(outcome.code).toBe(64);
    expect(outcome.stderr).toContain('DEPLOYER_KEY is invalid');
    expect(outcome.stderr).not.toContain('not-a-key-but-a-secret');
    expect(outcome.stdout).toBe('');
  });
});
