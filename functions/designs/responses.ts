import { z } from 'zod';
import { presignedUpload } from '#shared/storage/presigned-upload-response.ts';

/**
 * The JSON the design routes answer with, for the API reference. A type test holds each to what
 * the presenters return (test/unit/functions/openapi-responses.test.ts), so neither drifts alone.
 */
const instant = z.iso.datetime();

export const designResponse = z.object({
  id: z.string(),
  name: z.string(),
  format: z.enum(['stl', '3mf', 'obj']),
  status: z.enum(['awaiting_upload', 'uploaded', 'validating', 'registered', 'rejected']),
  rejection: z
    .object({ code: z.string(), reason: z.string() })
    .nullable()
    .describe('Why the file was refused (`stl-size-mismatch`, `duplicate_design`, …)'),
  declaredBytes: z.number().int(),
  fingerprint: z
    .object({ algorithm: z.string(), value: z.string() })
    .nullable()
    .describe('SHA-256 of the file'),
  sizeBytes: z.number().int().nullable(),
  metrics: z
    .object({
      format: z.string(),
      variant: z.string(),
      triangleCount: z.number().int(),
      vertexCount: z.number().int().nullable(),
      boundingBox: z.object({ min: z.array(z.number()).readonly(), max: z.array(z.number()).readonly() }),
      units: z.string(),
      volume: z.number(),
      surfaceArea: z.number(),
    })
    .nullable(),
  warnings: z
    .array(z.object({ code: z.string(), message: z.string() }))
    .readonly()
    .describe('What validation accepted but the designer should fix'),
  thumbnailUrl: z.string().nullable(),
  chainProof: z
    .object({
      chainId: z.number().int(),
      registry: z.string().describe('DesignRegistry contract address'),
      transactionHash: z.string(),
      blockNumber: z.number().int().nullable(),
      confirmed: z.boolean(),
    })
    .nullable(),
  createdAt: instant,
  uploadedAt: instant.nullable(),
  finishedAt: instant.nullable(),
});

export const createdDesignResponse = designResponse.extend({ upload: presignedUpload });

export const designPageResponse = z.object({
  items: z.array(designResponse),
  nextCursor: z.string().nullable(),
});

export const licensorsResponse = z.object({
  items: z.array(z.object({ orgId: z.string(), name: z.string(), kind: z.string(), grantedAt: instant })),
});

export const provenanceConflictResponse = z.object({
  id: z.string(),
  fingerprint: z.object({ algorithm: z.string(), value: z.string() }),
  holder: z.object({
    designId: z
      .string()
      .describe('A design id when the vault knows the holder, else the registry’s bytes16 id'),
    orgId: z.string().nullable(),
    creator: z.string().nullable().describe('The holder’s creator address on chain, when found there'),
  }),
  later: z.object({ designId: z.string(), orgId: z.string() }),
  detectedBy: z.enum(['vault', 'chain']),
  detectedAt: instant,
});

export const provenanceConflictPageResponse = z.object({
  items: z.array(provenanceConflictResponse),
  nextCursor: z.string().nullable(),
});

export const licensableDesignResponse = z.object({
  id: z.string(),
  name: z.string(),
  format: z.string().describe('stl, 3mf or obj'),
  owner: z.object({ orgId: z.string(), name: z.string() }),
  own: z.boolean().describe('The caller’s own design (else its owner named the caller licensor)'),
  licensorSince: instant.nullable().describe('When the owner named the caller; null for its own design'),
  registeredAt: instant.nullable(),
});

export const licensableDesignPageResponse = z.object({
  items: z.array(licensableDesignResponse),
  nextCursor: z.string().nullable(),
});
