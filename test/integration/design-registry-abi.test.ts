import { ErrorFragment, EventFragment, FunctionFragment, Interface } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../shared/chain/contracts.ts';
import { DESIGN_REGISTERED_TOPIC, DESIGN_REGISTRY_ABI } from '../../shared/chain/design-registry.ts';

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
