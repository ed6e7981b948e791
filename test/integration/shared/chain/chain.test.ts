import { randomBytes } from 'node:crypto';
import type { Contract } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '#shared/chain/contracts.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import { type LocalChain, startLocalChain } from '../../../../infra/local/chain.ts';
import { deployLocalContracts } from '../../../../infra/local/deploy-contracts.ts';
import { compileContracts } from '../../../../scripts/compile-contracts.ts';

async function postRpc(rpcUrl: string, body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

function randomDesign(): { fingerprint: string; designId: string } {
  return {
    fingerprint: `0x${randomBytes(32).toString('hex')}`,
    designId: `0x${randomBytes(16).toString('hex')}`,
  };
}

describe('local chain', () => {
  let chain: LocalChain;
  let registryAddress: string;
  let relayer: ChainClient;
  let deployer: ChainClient;
  let registryAsRelayer: Contract;
  let registryAsDeployer: Contract;

  beforeAll(async () => {
    let startedAt = performance.now();
    chain = await startLocalChain({ port: 0 });
    const startMs = performance.now() - startedAt;

    startedAt = performance.now();
    await compileContracts();
    const compileMs = performance.now() - startedAt;

    startedAt = performance.now();
    ({ DesignRegistry: registryAddress } = await deployLocalContracts(
      chain.rpcUrl,
      chain.privateKeys.deployer,
      chain.accounts.relayer,
    ));
    const deployMs = performance.now() - startedAt;
    console.log(
      `chain start ${startMs.toFixed(0)} ms, compile (cached when unchanged) ${compileMs.toFixed(0)} ms, ` +
        `deploy + grant ${deployMs.toFixed(0)} ms`,
    );

    const { Contract } = await import('ethers');
    const { abi } = await loadArtifact('DesignRegistry');
    relayer = await createChainClient({ rpcUrl: chain.rpcUrl, privateKey: chain.privateKeys.relayer });
    deployer = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.deployer,
      chainId: chain.chainId,
    });
    registryAsRelayer = new Contract(registryAddress, abi, relayer.wallet);
    registryAsDeployer = new Contract(registryAddress, abi, deployer.wallet);
  });

  afterAll(async () => {
    relayer?.close();
    deployer?.close();
    await chain?.stop();
  });

  it('answers single JSON-RPC calls', async () => {
    const { status, json } = await postRpc(chain.rpcUrl, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}');
    expect(status).toBe(200);
    expect(json).toEqual({ jsonrpc: '2.0', id: 1, result: '0x7a69' });
    expect(chain.chainId).toBe(31337);
  });

  it('answers batches in order, with per-call errors', async () => {
    const { json } = await postRpc(
      chain.rpcUrl,
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 'b', method: 'eth_noSuchMethod' },
        { jsonrpc: '2.0', method: 'eth_chainId' },
        { id: 'c', method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 'd', method: 'eth_blockNumber' },
      ]),
    );
    expect(Array.isArray(json)).toBe(true);
    const responses = json as { id: unknown; result?: unknown; error?: { code: number; message: string } }[];
    expect(responses.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(responses[0]?.result).toBe('0x7a69');
    expect(responses[1]?.error?.code).toBeTypeOf('number');
    expect(responses[2]?.error?.code).toBe(-32600);
    expect(responses[3]?.result).toMatch(/^0x[0-9a-f]+$/);
  });

  it('reports malformed JSON as a parse error, and refuses empty batches and oversized bodies', async () => {
    const parse = await postRpc(chain.rpcUrl, '{"jsonrpc":"2.0","id":1,"method":');
    expect(parse.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });

    const empty = await postRpc(chain.rpcUrl, '[]');
    expect(empty.json).toMatchObject({ id: null, error: { code: -32600 } });

    const oversized = await postRpc(chain.rpcUrl, ' '.repeat(5 * 1024 * 1024));
    expect(oversized.status).toBe(413);
    expect(oversized.json).toMatchObject({ error: { code: -32600 } });

    const notification = await postRpc(chain.rpcUrl, '{"jsonrpc":"2.0","method":"eth_chainId"}');
    expect(notification.status).toBe(204);
  });

  it('pings through the chain client', async () => {
    const health = await relayer.ping();
    expect(health.chainId).toBe(31337);
    expect(health.blockNumber).toBeGreaterThan(0);
  });

  it('registers a fingerprint from the relayer and reads it back', async () => {
    const { fingerprint, designId } = randomDesign();
    const creator = '0x000000000000000000000000000000000000dEaD';
    const tx = await registryAsRelayer.getFunction('register')(fingerprint, designId, creator);
    const receipt = await tx.wait();
    console.log(`register() gas used: ${receipt.gasUsed}`);

    const design = await registryAsRelayer.getFunction('designOf')(fingerprint);
    expect(design.creator).toBe(creator);
    expect(design.designId).toBe(designId);
    const block = await relayer.provider.getBlock(receipt.blockNumber);
    expect(design.registeredAt).toBe(BigInt(block?.timestamp ?? -1));

    const event = receipt.logs
      .map((log: { topics: string[]; data: string }) => registryAsRelayer.interface.parseLog(log))
      .find((parsed: { name: string } | null) => parsed?.name === 'DesignRegistered');
    expect(event?.args.fingerprint).toBe(fingerprint);
    expect(event?.args.creator).toBe(creator);
  });

  it('refuses a duplicate fingerprint with DesignAlreadyRegistered', async () => {
    const { fingerprint, designId } = randomDesign();
    const creator = chain.accounts.relayer;
    await (await registryAsRelayer.getFunction('register')(fingerprint, designId, creator)).wait();

    const otherDesignId = `0x${randomBytes(16).toString('hex')}`;
    const failure = await registryAsRelayer
      .getFunction('register')(fingerprint, otherDesignId, creator)
      .then(
        () => undefined,
        (err: unknown) => err as { data?: string; revert?: { name: string } },
      );
    expect(failure?.data).toMatch(/^0x/);
    const decoded = registryAsRelayer.interface.parseError(failure?.data ?? '0x');
    expect(decoded?.name).toBe('DesignAlreadyRegistered');
    expect(decoded?.args.fingerprint).toBe(fingerprint);
    expect(decoded?.args.designId).toBe(designId);
    expect(decoded?.args.creator).toBe(creator);
  });

  it('refuses an account without REGISTRAR_ROLE, even the admin', async () => {
    const { fingerprint, designId } = randomDesign();
    const failure = await registryAsDeployer
      .getFunction('register')(fingerprint, designId, chain.accounts.deployer)
      .then(
        () => undefined,
        (err: unknown) => err as { data?: string },
      );
    const decoded = registryAsDeployer.interface.parseError(failure?.data ?? '0x');
    expect(decoded?.name).toBe('AccessControlUnauthorizedAccount');
    expect(decoded?.args.account).toBe(chain.accounts.deployer);
    const registrarRole = await registryAsDeployer.getFunction('REGISTRAR_ROLE')();
    expect(decoded?.args.neededRole).toBe(registrarRole);
  });

  it('mines a reverting transaction with a failed receipt, as a production node does', async () => {
    const { fingerprint, designId } = randomDesign();
    const nonceBefore = await deployer.provider.getTransactionCount(deployer.address);
    // An explicit gas limit skips estimation, so the transaction really goes to the chain.
    const tx = await registryAsDeployer.getFunction('register')(
      fingerprint,
      designId,
      chain.accounts.deployer,
      {
        gasLimit: 200_000,
      },
    );
    const failure = await tx.wait().then(
      () => undefined,
      (err: unknown) => err as { code?: string; receipt?: { status: number } },
    );
    expect(failure?.code).toBe('CALL_EXCEPTION');
    expect(failure?.receipt?.status).toBe(0);
    expect(await deployer.provider.getTransactionCount(deployer.address)).toBe(nonceBefore + 1);
  });
});
