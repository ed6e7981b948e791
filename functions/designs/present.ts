import type { Design } from '#shared/designs/design.ts';
import type { LicensableDesign } from '#shared/designs/design-repository.ts';
import type { ProvenanceConflict } from '#shared/designs/provenance-conflicts.ts';

/** The public shape of a design: what a designer or integrator may see. */
export function presentDesign(design: Design) {
  return {
    id: design.id,
    name: design.name,
    format: design.format,
    status: design.status,
    rejection: design.rejection,
    declaredBytes: design.declaredBytes,
    fingerprint: design.sha256 ? { algorithm: 'sha256', value: design.sha256 } : null,
    sizeBytes: design.sizeBytes,
    metrics: design.metrics,
    warnings: design.warnings,
    thumbnailUrl: design.thumbnailKey ? `/v1/designs/${design.id}/thumbnail` : null,
    chainProof: design.chain
      ? {
          chainId: design.chain.chainId,
          registry: design.chain.registry,
          transactionHash: design.chain.txHash,
          blockNumber: design.chain.blockNumber,
          confirmed: design.status === 'registered',
        }
      : null,
    createdAt: design.createdAt.toISOString(),
    uploadedAt: design.uploadedAt?.toISOString() ?? null,
    finishedAt: design.finishedAt?.toISOString() ?? null,
  };
}

/** What an operator sees of a provenance conflict: both sides, the shared fingerprint, when. */
export function presentProvenanceConflict(conflict: ProvenanceConflict) {
  return {
    id: String(conflict.id),
    fingerprint: { algorithm: 'sha256', value: conflict.sha256 },
    holder: conflict.holder,
    later: conflict.later,
    detectedBy: conflict.detectedBy,
    detectedAt: conflict.detectedAt.toISOString(),
  };
}

/** A design as a licensor sees it: enough to choose it and to say whose it is, nothing of the file. */
export function presentLicensableDesign(design: LicensableDesign) {
  return {
    id: design.id,
    name: design.name,
    format: design.format,
    owner: { orgId: design.ownerOrgId, name: design.ownerName },
    own: design.licensorSince === null,
    licensorSince: design.licensorSince?.toISOString() ?? null,
    registeredAt: design.registeredAt?.toISOString() ?? null,
  };
}
