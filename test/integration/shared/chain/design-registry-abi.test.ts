import { ErrorFragment, EventFragment, FunctionFragment, Interface, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '#shared/chain/contracts.ts';
import {
  DESIGN_REGISTERED_TOPIC,
  DESIGN_REGISTRY_ABI,
  DesignRegistry,
} from '#shared/chain/design-registry.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';

/**
 * The hand-written ABI the functions bundle must agree with what solc produced
 * (artifacts/DesignRegistry.json, written by scripts/compile-contracts.ts before the tests run).
 * Everything that goes over the wire is compared: selectors/topics, input and output types,
 * indexed flags and state mutability.
 */
describe('Constant: DESIGN_REGISTRY_ABI', () => {
  let ours: Interface;
  let compiled: Interface;

  beforeAll(async () => {
    ours = new Interface(DESIGN_REGISTRY_ABI);
    compiled = new Interface((await loadArtifact('DesignRegistry')).abi);
  });

  it('declares at least register, designOf, DesignRegistered and both custom errors', () => {
    // Prepare
    const names = ours.fragments.map(
      (fragment) => `${fragment.type}:${(fragment as { name?: string }).name}`,
    );

    // Assess
    expect(names.sort()).toEqual(
      [
        'function:register',
        'function:designOf',
        'event:DesignRegistered',
        'error:DesignAlreadyRegistered',
        'error:InvalidRegistration',
      ].sort(),
    );
  });

  it('declares every function exactly as compiled', () => {
    // Prepare
    const functions = ours.fragments.filter(FunctionFragment.isFragment);

    // Act & Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const fragment of functions) {
      const signature = fragment.format('sighash');
      const match = compiled.getFunction(signature);
      expect(match, `${signature} is not in the compiled ABI`).not.toBeNull();
      expect(match?.selector).toBe(fragment.selector);
      expect(match?.stateMutability, signature).toBe(fragment.stateMutability);
      expect(
        match?.outputs.map((output) => output.format('sighash')),
        signature,
      ).toEqual(fragment.outputs.map((output) => output.format('sighash')));
    }
  });

  it('declares every event exactly as compiled, including which parameters are indexed', () => {
    // Prepare
    const events = ours.fragments.filter(EventFragment.isFragment);

    // Act & Assess
    expect(events.length).toBeGreaterThan(0);
    for (const fragment of events) {
      const signature = fragment.format('sighash');
      const match = compiled.getEvent(signature);
      expect(match, `${signature} is not in the compiled ABI`).not.toBeNull();
      expect(match?.topicHash).toBe(fragment.topicHash);
      expect(match?.anonymous).toBe(fragment.anonymous);
      expect(
        match?.inputs.map((input) => input.indexed === true),
        signature,
      ).toEqual(fragment.inputs.map((input) => input.indexed === true));
    }
  });

  it('declares every custom error exactly as compiled', () => {
    // Prepare
    const errors = ours.fragments.filter(ErrorFragment.isFragment);

    // Act & Assess
    expect(errors.length).toBeGreaterThan(0);
    for (const fragment of errors) {
      const signature = fragment.format('sighash');
      const match = compiled.getError(signature);
      expect(match, `${signature} is not in the compiled ABI`).not.toBeNull();
      expect(match?.selector).toBe(fragment.selector);
    }
  });

  it('decodes a revert from the compiled contract with our ABI', () => {
    // Prepare: the data a DesignAlreadyRegistered revert carries, encoded with the compiled ABI.
    const args = [`0x${'11'.repeat(32)}`, `0x${'22'.repeat(16)}`, `0x${'33'.repeat(20)}`, 1_700_000_000n];
    const data = compiled.encodeErrorResult('DesignAlreadyRegistered', args);

    // Act
    const parsed = ours.parseError(data);

    // Assess
    expect(parsed?.name).toBe('DesignAlreadyRegistered');
    expect(parsed?.args.toArray().map(String)).toEqual(args.map(String));
  });

  it('names the compiled DesignRegistered event topic in DESIGN_REGISTERED_TOPIC', () => {
    const event = compiled.getEvent('DesignRegistered');
    expect(event?.topicHash).toBe(DESIGN_REGISTERED_TOPIC);
  });
});

/**
 * Calldata and revert data need no node: the client below points at a port nothing listens on and
 * is never asked anything (its chain id is given, so ethers does not probe for it).
 */
describe('Class: DesignRegistry encoding', () => {
  const FINGERPRINT = `0x${'ab'.repeat(32)}`;
  const DESIGN_ID = `0x${'cd'.repeat(16)}`;
  const CREATOR = '0x000000000000000000000000000000000000dEaD';
  let compiled: Interface;
  let client: ChainClient;
  let registry: DesignRegistry;

  beforeAll(async () => {
    compiled = new Interface((await loadArtifact('DesignRegistry')).abi);
    client = await createChainClient({
      rpcUrl: 'http://127.0.0.1:9',
      privateKey: Wallet.createRandom().privateKey,
      chainId: 31337,
    });
    registry = await DesignRegistry.connect(client, `0x${'12'.repeat(20)}`);
  });
  afterAll(() => client?.close());

  it('encodes register calldata the compiled contract decodes to the same arguments', () => {
    // Act
    const data = registry.encodeRegister(`0x${'AB'.repeat(32)}`, DESIGN_ID, CREATOR);

    // Assess
    const decoded = compiled.decodeFunctionData('register', data);
    expect(data.slice(0, 10)).toBe(compiled.getFunction('register')?.selector);
    expect(decoded.toArray()).toEqual([FINGERPRINT, DESIGN_ID, CREATOR]);
  });

  it.each([
    {
      name: 'a short fingerprint',
      fingerprint: `0x${'ab'.repeat(31)}`,
      designId: DESIGN_ID,
      creator: CREATOR,
    },
    {
      name: 'a long design id',
      fingerprint: FINGERPRINT,
      designId: `0x${'cd'.repeat(17)}`,
      creator: CREATOR,
    },
    { name: 'a design id without 0x', fingerprint: FINGERPRINT, designId: 'cd'.repeat(16), creator: CREATOR },
  ])('refuses to encode $name with a RangeError', ({ fingerprint, designId, creator }) => {
    expect(() => registry.encodeRegister(fingerprint, designId, creator)).toThrow(RangeError);
  });

  it('refuses to encode a creator that is not an address', () => {
    expect(() => registry.encodeRegister(FINGERPRINT, DESIGN_ID, '0x1234')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('decodes DesignAlreadyRegistered revert data from the compiled contract', () => {
    // Prepare
    const data = compiled.encodeErrorResult('DesignAlreadyRegistered', [
      FINGERPRINT,
      DESIGN_ID,
      CREATOR,
      1_700_000_000n,
    ]);

    // Act
    const reverted = registry.decodeRevert(data);

    // Assess
    expect(reverted).toEqual({
      name: 'DesignAlreadyRegistered',
      args: {
        fingerprint: FINGERPRINT,
        designId: DESIGN_ID,
        creator: CREATOR.toLowerCase(),
        registeredAt: 1_700_000_000,
      },
    });
  });

  it('decodes InvalidRegistration revert data from the compiled contract', () => {
    const data = compiled.encodeErrorResult('InvalidRegistration', []);
    expect(registry.decodeRevert(data)).toEqual({ name: 'InvalidRegistration', args: {} });
  });

  it.each([
    {
      name: 'a revert reason string',
      data: () => new Interface(['error Error(string)']).encodeErrorResult('Error', ['no']),
    },
    {
      name: 'a missing role',
      data: () =>
        compiled.encodeErrorResult('AccessControlUnauthorizedAccount', [CREATOR, `0x${'00'.repeat(32)}`]),
    },
    { name: 'an empty revert', data: () => '0x' },
    { name: 'a truncated selector', data: () => '0x1234' },
  ])('decodes $name as none of its errors', ({ data }) => {
    expect(registry.decodeRevert(data())).toBeUndefined();
  });
});
