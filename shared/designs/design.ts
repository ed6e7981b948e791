import type { MeshMetricsRecord } from './metrics-record.ts';

export const DESIGN_FORMATS = ['stl', '3mf', 'obj'] as const;
export type DesignFormat = (typeof DESIGN_FORMATS)[number];
export type DesignStatus = 'awaiting_upload' | 'uploaded' | 'validating' | 'registered' | 'rejected';

/** Largest design file accepted (presigned uploads are bound to the declared size). */
export const MAX_DESIGN_BYTES = 256 * 1024 * 1024;

export interface Design {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly format: DesignFormat;
  readonly declaredBytes: number;
  readonly status: DesignStatus;
  readonly rejection: { readonly code: string; readonly reason: string } | null;
  readonly uploadKey: string;
  readonly sha256: string | null;
  readonly sizeBytes: number | null;
  readonly metrics: MeshMetricsRecord | null;
  /** What validation accepted but would have the designer fix (empty when nothing). */
  readonly warnings: readonly DesignWarning[];
  readonly vaultKey: string | null;
  readonly thumbnailKey: string | null;
  readonly chain: {
    readonly chainId: number;
    readonly registry: string;
    readonly txHash: string;
    readonly blockNumber: number | null;
  } | null;
  readonly createdAt: Date;
  readonly uploadedAt: Date | null;
  readonly finishedAt: Date | null;
}

/** Something the validator accepted but that the file does not do as its specification asks. */
export interface DesignWarning {
  readonly code: string;
  readonly message: string;
}

/** Where a design's source upload lands; derived from the id alone. */
export function uploadKeyFor(designId: string): string {
  return `designs/${designId}/source`;
}

export function vaultKeyFor(designId: string): string {
  return `designs/${designId}/v1.bin`;
}

export function thumbnailKeyFor(designId: string): string {
  return `designs/${designId}/thumbnail.png`;
}

const UPLOAD_KEY = /^designs\/([0-9A-HJKMNP-TV-Z]{26})\/source$/;

export function designIdFromUploadKey(objectName: string): string | undefined {
  return UPLOAD_KEY.exec(objectName)?.[1];
}

/**
 * The AES-GCM additional data of a sealed design: its id as UTF-8. ip-upload seals with it and print
 * grants hand it to printers, so a ciphertext cannot be served as another design's.
 */
export function sealedDesignAad(designId: string): Buffer {
  return Buffer.from(designId, 'utf8');
}
