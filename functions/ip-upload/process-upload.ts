import { log } from '#shared/base/log.ts';
import type { DesignRegistry } from '#shared/chain/design-registry.ts';
import { orgChainAddress } from '#shared/chain/org-address.ts';
import type { TxRelayer } from '#shared/chain/tx-relayer.ts';
import type { KeyWrapper } from '#shared/crypto/key-wrapper.ts';
import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import {
  type Design,
  MAX_DESIGN_BYTES,
  sealedDesignAad,
  thumbnailKeyFor,
  vaultKeyFor,
} from '#shared/designs/design.ts';
import {
  claimFingerprint,
  claimForProcessing,
  findDesign,
  recordRegistered,
  recordRejection,
  recordSealed,
} from '#shared/designs/design-repository.ts';
import { recordProvenanceConflict } from '#shared/designs/provenance-conflicts.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { MeshValidationError } from './mesh/types.ts';
import { type ChainOutcome, registerOnChain } from './register-on-chain.ts';
import { type SealResult, sealDesign } from './seal.ts';
import { renderThumbnail } from './thumbnail/render.ts';

/** How long one attempt owns a design before a redelivery may take over. */
const LEASE_SECONDS = 180;

export interface UploadDeps {
  readonly pool: DbPool;
  readonly store: ObjectStore;
  readonly keys: KeyWrapper;
  /** The relayer shared with every other sender from this key: one nonce series per key. */
  readonly chain: { relayer: TxRelayer; registry: DesignRegistry };
  readonly buckets: { incoming: string; vault: string; media: string };
}

class Rejection extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * uploaded → validating → registered | rejected, once per design whatever the deliveries:
 * a lease claims the design; each step is repeatable; state changes and their domain events
 * commit together; the plaintext leaves the incoming bucket when the design is finished.
 */
export async function processUpload(deps: UploadDeps, designId: string, etag: string): Promise<EventOutcome> {
  const claim = await claimForProcessing(deps.pool, designId, etag, LEASE_SECONDS);
  if (claim === 'missing') return { status: 'ignored', reason: `no design ${designId}` };
  if (claim === 'finished') {
    // An upload key is consumed once: bytes PUT to it again (the presigned URL may still be valid)
    // are never validated, so they must not stay in the incoming bucket as plaintext.
    const design = (await findDesign(deps.pool, designId)) as Design;
    await deps.store.delete(deps.buckets.incoming, design.uploadKey);
    return { status: 'duplicate' };
  }
  // Another attempt holds a live lease. Retrying this delivery cannot help (it would only burn
  // the event's attempts while the lease runs); if that attempt dies, the watchdog re-drives the
  // design once its lease lapses.
  if (claim === 'busy') {
    return { status: 'ignored', reason: `design ${designId} is being processed by another attempt` };
  }

  const design = (await findDesign(deps.pool, designId)) as Design;
  try {
    const sealed = await validateAndSeal(deps, design);
    // Wrapped before the transaction: with OCI Vault this is a network call, and the
    // fingerprint row stays locked for as long as the transaction is open.
    const wrappedKey = await deps.keys.wrap(sealed.result.dataKey);
    sealed.result.dataKey.fill(0);
    const owner = await withTransaction(deps.pool, async (connection) => {
      const fingerprintOwner = await claimFingerprint(connection, sealed.result.sha256, design.id);
      if (fingerprintOwner === design.id) {
        await recordSealed(connection, design.id, {
          sha256: sealed.result.sha256,
          sizeBytes: sealed.result.sizeBytes,
          metrics: sealed.result.metrics,
          warnings: sealed.result.warnings,
          vaultKey: vaultKeyFor(design.id),
          thumbnailKey: sealed.thumbnailKey,
          wrappedKey,
          keyRef: deps.keys.keyRef,
          iv: sealed.result.iv,
          authTag: sealed.result.authTag,
        });
      }
      return fingerprintOwner;
    });
    if (owner !== design.id) throw await duplicateOf(deps, design, sealed.result.sha256, owner);

    const onChain = await registerOnChain(
      { pool: deps.pool, ...deps.chain },
      (await findDesign(deps.pool, design.id)) as Design,
      sealed.result.sha256,
    );
    if (onChain.kind === 'taken') throw await takenOnChain(deps, design, sealed.result.sha256, onChain);
    await withTransaction(deps.pool, (connection) =>
      recordRegistered(connection, design, {
        sha256: sealed.result.sha256,
        txHash: onChain.txHash,
        blockNumber: onChain.blockNumber,
      }),
    );
    await deps.store.delete(deps.buckets.incoming, design.uploadKey);
    return { status: 'processed', detail: { designId: design.id, txHash: onChain.txHash } };
  } catch (err) {
    if (!(err instanceof Rejection || err instanceof MeshValidationError)) throw err;
    await reject(deps, design, err.code, err.message);
    return { status: 'rejected', reason: `${err.code}: ${err.message}` };
  }
}

async function validateAndSeal(
  deps: UploadDeps,
  design: Design,
): Promise<{ result: SealResult; thumbnailKey: string | null }> {
  const head = await deps.store.head(deps.buckets.incoming, design.uploadKey);
  if (!head) throw new Rejection('upload_missing', 'The uploaded object is gone; upload the file again.');
  if (head.size !== design.declaredBytes || head.size > MAX_DESIGN_BYTES) {
    throw new Rejection('size_mismatch', `Uploaded ${head.size} bytes but declared ${design.declaredBytes}.`);
  }
  const result = await sealDesign(
    deps.store,
    { bucket: deps.buckets.incoming, key: design.uploadKey },
    { bucket: deps.buckets.vault, key: vaultKeyFor(design.id) },
    design.format,
    sealedDesignAad(design.id),
  );
  let thumbnailKey: string | null = thumbnailKeyFor(design.id);
  try {
    await deps.store.put(deps.buckets.media, thumbnailKey, renderThumbnail(result.sample), {
      contentType: 'image/png',
    });
  } catch (err) {
    // A preview is a nicety: the design is still valid and registered without one.
    log.warn('thumbnail not stored', { designId: design.id, error: err });
    thumbnailKey = null;
  }
  return { result, thumbnailKey };
}

async function reject(deps: UploadDeps, design: Design, code: string, reason: string): Promise<void> {
  await withTransaction(deps.pool, async (connection) => {
    await recordRejection(connection, design, code, reason);
  });
  // Nothing of a rejected upload is kept: not the plaintext, not a ciphertext or preview.
  await Promise.all([
    deps.store.delete(deps.buckets.incoming, design.uploadKey),
    deps.store.delete(deps.buckets.vault, vaultKeyFor(design.id)),
    deps.store.delete(deps.buckets.media, thumbnailKeyFor(design.id)),
  ]);
  log.info('design rejected', { designId: design.id, code });
}

/**
 * The fingerprint is already held in the vault by `holderId`. Within one organisation the answer
 * names the design, as a designer expects; across organisations it names nothing (the id would
 * leak, and confirm the other design exists) and the conflict is recorded for the operator.
 */
async function duplicateOf(
  deps: UploadDeps,
  design: Design,
  sha256: Buffer,
  holderId: string,
): Promise<Rejection> {
  const holder = await findDesign(deps.pool, holderId);
  if (holder?.orgId === design.orgId) {
    return new Rejection('duplicate_design', `This file is identical to design ${holderId}.`);
  }
  await recordProvenanceConflict(deps.pool, {
    sha256,
    holder: { designId: holderId, orgId: holder?.orgId ?? null, creator: null },
    later: { designId: design.id, orgId: design.orgId },
    detectedBy: 'vault',
  });
  log.warn('provenance conflict', { designId: design.id, orgId: design.orgId, detectedBy: 'vault' });
  return new Rejection('duplicate_design', 'This file is identical to a design already registered.');
}

/** The same rule for a fingerprint the chain registry holds for another design id. */
async function takenOnChain(
  deps: UploadDeps,
  design: Design,
  sha256: Buffer,
  taken: Extract<ChainOutcome, { kind: 'taken' }>,
): Promise<Rejection> {
  if (taken.byCreator.toLowerCase() === orgChainAddress(design.orgId)) {
    return new Rejection(
      'fingerprint_on_chain',
      `The fingerprint is already registered on chain (${taken.byDesignId}).`,
    );
  }
  await recordProvenanceConflict(deps.pool, {
    sha256,
    holder: { designId: taken.byDesignId, orgId: null, creator: taken.byCreator.toLowerCase() },
    later: { designId: design.id, orgId: design.orgId },
    detectedBy: 'chain',
  });
  log.warn('provenance conflict', { designId: design.id, orgId: design.orgId, detectedBy: 'chain' });
  return new Rejection('fingerprint_on_chain', 'The fingerprint is already registered on chain.');
}
