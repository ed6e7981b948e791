import { log } from '#shared/base/log.ts';
import type { DesignRegistry } from '#shared/chain/design-registry.ts';
import { orgChainAddress } from '#shared/chain/org-address.ts';
import {
  type RelayedTransaction,
  TransactionRevertedError,
  type TxRelayer,
} from '#shared/chain/tx-relayer.ts';
import type { DbPool } from '#shared/db/pool.ts';
import type { Design } from '#shared/designs/design.ts';
import { recordChainSubmission } from '#shared/designs/design-repository.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { idToBytes16 } from '#shared/ids.ts';

/** What the relayer ledger files registrations under; the ref is the design id. */
export const REGISTER_PURPOSE = 'design.register';
const RECEIPT_TIMEOUT_MS = 30_000;
/** Reverted or replaced registrations sent again within one delivery before it is left to a retry. */
const SUBMIT_ATTEMPTS = 3;

export interface RegistrationDeps {
  readonly pool: DbPool;
  readonly relayer: TxRelayer;
  readonly registry: DesignRegistry;
}

export type ChainOutcome =
  | { readonly kind: 'registered'; readonly txHash: string; readonly blockNumber: number }
  | {
      readonly kind: 'taken';
      readonly byDesignId: string;
      /** The holder's creator address: tells whether the holder is the uploader's organisation. */
      readonly byCreator: string;
    };

/** The registry refused the call for a reason other than the fingerprint being taken. */
export class RegistrationRefusedError extends Error {
  constructor(designId: string, reason: string, options: { cause: unknown }) {
    super(`The registry refused to register design ${designId}: ${reason}`, options);
    this.name = 'RegistrationRefusedError';
  }
}

interface Registration {
  readonly design: Design;
  readonly fingerprint: string;
  readonly designIdBytes16: string;
}

/**
 * Registers the fingerprint, safely repeatable: a transaction recorded by an earlier attempt is
 * awaited rather than resent; a registration already on chain for this design is adopted; one
 * for another design id is reported as taken; a reverted or replaced transaction is sent again
 * once the chain has been re-read. Chain trouble throws (the delivery is retried).
 */
export async function registerOnChain(
  deps: RegistrationDeps,
  design: Design,
  sha256: Buffer,
): Promise<ChainOutcome> {
  const registration: Registration = {
    design,
    fingerprint: `0x${sha256.toString('hex')}`,
    designIdBytes16: idToBytes16(design.id),
  };

  const earlier = await awaitEarlierAttempts(deps, design.id);
  if (earlier !== undefined) return adopt(deps, design, earlier);

  for (let attempt = 0; attempt < SUBMIT_ATTEMPTS; attempt++) {
    const held = await whatChainHolds(deps, registration);
    if (held !== undefined) return held;

    const tx = await submitRegistration(deps, registration);
    if (tx === 'already-registered') {
      // Registered between the read above and the dry run: the chain now says by whom.
      const registered = await whatChainHolds(deps, registration);
      if (registered !== undefined) return registered;
      throw new DependencyUnavailableError('The registry reported the fingerprint taken but holds no entry');
    }
    await recordChainSubmission(deps.pool, design.id, {
      chainId: deps.relayer.chainId,
      registry: deps.registry.address,
      txHash: tx.hash,
    });
    const settled = await deps.relayer.waitForReceipt(tx, RECEIPT_TIMEOUT_MS);
    if (settled.status === 'mined') return registeredBy(settled);
    if (settled.status === 'signed' || settled.status === 'sent') {
      throw new DependencyUnavailableError(`Registration ${tx.hash} not mined yet`);
    }
    log.warn('design registration failed on chain; reading the registry again', {
      designId: design.id,
      txHash: tx.hash,
      status: settled.status,
    });
  }
  throw new DependencyUnavailableError(
    `Registration of design ${design.id} failed on chain ${SUBMIT_ATTEMPTS} times; left for a retry`,
  );
}

/**
 * The registration an earlier attempt sent, once mined; undefined when there is none or every
 * one of them reverted or was replaced (the chain decides what comes next).
 */
async function awaitEarlierAttempts(
  deps: RegistrationDeps,
  designId: string,
): Promise<RelayedTransaction | undefined> {
  const earlier = await deps.relayer.findByRef(REGISTER_PURPOSE, designId);
  const mined = earlier.find((tx) => tx.status === 'mined');
  if (mined !== undefined) return mined;
  for (const tx of earlier.filter(
    (candidate) => candidate.status === 'signed' || candidate.status === 'sent',
  )) {
    const settled = await deps.relayer.waitForReceipt(tx, RECEIPT_TIMEOUT_MS);
    if (settled.status === 'mined') return settled;
    if (settled.status === 'signed' || settled.status === 'sent') {
      throw new DependencyUnavailableError(`Registration ${tx.hash} not mined yet`);
    }
  }
  return undefined;
}

async function whatChainHolds(
  deps: RegistrationDeps,
  registration: Registration,
): Promise<ChainOutcome | undefined> {
  const existing = await deps.registry.designOf(registration.fingerprint);
  if (existing === undefined) return undefined;
  if (existing.designId.toLowerCase() !== registration.designIdBytes16) {
    return { kind: 'taken', byDesignId: existing.designId, byCreator: existing.creator };
  }
  const event = await deps.registry.registrationOf(registration.fingerprint);
  if (event === undefined) {
    throw new DependencyUnavailableError('Registration found on chain but its event is not indexed yet');
  }
  return adopt(deps, registration.design, { hash: event.txHash, blockNumber: event.blockNumber });
}

async function submitRegistration(
  deps: RegistrationDeps,
  registration: Registration,
): Promise<RelayedTransaction | 'already-registered'> {
  const { design } = registration;
  try {
    return await deps.relayer.submit({
      to: deps.registry.address,
      data: deps.registry.encodeRegister(
        registration.fingerprint,
        registration.designIdBytes16,
        orgChainAddress(design.orgId),
      ),
      purpose: REGISTER_PURPOSE,
      ref: design.id,
    });
  } catch (err) {
    if (!(err instanceof TransactionRevertedError)) throw err;
    const reverted = deps.registry.decodeRevert(err.data);
    if (reverted?.name === 'DesignAlreadyRegistered') return 'already-registered';
    throw new RegistrationRefusedError(design.id, reverted?.name ?? 'unrecognised revert', { cause: err });
  }
}

/** A registration found rather than sent by this attempt; the design row is pointed at it. */
async function adopt(
  deps: RegistrationDeps,
  design: Design,
  tx: { hash: string; blockNumber?: number },
): Promise<ChainOutcome> {
  if (design.chain?.txHash !== tx.hash) {
    await recordChainSubmission(deps.pool, design.id, {
      chainId: deps.relayer.chainId,
      registry: deps.registry.address,
      txHash: tx.hash,
    });
  }
  return registeredBy(tx);
}

function registeredBy(tx: { hash: string; blockNumber?: number }): ChainOutcome {
  if (tx.blockNumber === undefined) throw new Error(`Mined transaction ${tx.hash} has no block number`);
  return { kind: 'registered', txHash: tx.hash, blockNumber: tx.blockNumber };
}
