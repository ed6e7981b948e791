import { z } from 'zod';

/**
 * The JSON the license routes answer with, for the API reference. A type test holds each to what
 * `presentLicense` returns (test/unit/functions/openapi-responses.test.ts), so neither drifts alone; where
 * the presenter types a member as a plain string, so does the schema, naming its values.
 */
const instant = z.iso.datetime();

export const licenseResponse = z.object({
  id: z.string(),
  designId: z.string(),
  holderOrgId: z.string(),
  issuerOrgId: z.string(),
  status: z.string().describe('pending, active, failed or revoked'),
  failureReason: z.string().nullable(),
  terms: z.object({
    prints: z.number().int(),
    expiresAt: instant,
    failureAllowance: z.number().int(),
    printerIds: z
      .array(z.string())
      .readonly()
      .describe('Approved printers; empty: any printer of the holder'),
  }),
  prints: z.object({
    total: z.number().int(),
    used: z.number().int(),
    reserved: z.number().int().describe('Granted, outcome not reported yet'),
    left: z.number().int(),
    failuresRefunded: z.number().int(),
    settledOnChain: z.number().int(),
  }),
  revocation: z.object({ revokedAt: instant, reason: z.string().nullable() }).nullable(),
  chain: z.object({
    state: z.string().describe('waiting_for_chain, submitted, confirmed or failed'),
    chainId: z.number().int().nullable(),
    ledger: z.string().nullable().describe('LicenseLedger contract address'),
    tokenId: z.string().nullable(),
    transactionHash: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    printerRoot: z.string().nullable().describe('Merkle root of the approved printers; null for any'),
    live: z
      .object({
        reachable: z.boolean(),
        exists: z.boolean().optional(),
        printsUsed: z.number().int().optional(),
        revoked: z.boolean().optional(),
      })
      .optional()
      .describe('With ?chain=live: the contract’s own record'),
  }),
  createdAt: instant,
  activatedAt: instant.nullable(),
});

export const pendingLicenseResponse = licenseResponse.extend({
  statusUrl: z.string().describe('Poll this (also in Location) until the license is active'),
});

export const revokedLicenseResponse = licenseResponse.extend({
  revocationOnChain: z
    .enum(['pending', 'submitted', 'already-on-chain', 'not-issued'])
    .describe('Where the revocation stands on chain (pending: the chain is unreachable, retried later)'),
});

/** A license in a list, with the names a person reads beside the ids (null if the row is gone). */
export const listedLicenseResponse = licenseResponse.extend({
  designName: z.string().nullable(),
  issuerName: z.string().nullable(),
  holderName: z.string().nullable(),
});

export const licensePageResponse = z.object({
  items: z.array(listedLicenseResponse),
  nextCursor: z.string().nullable(),
});

export const reconciliationResponse = z.object({
  id: z.number().int(),
  chainInstance: z.string().describe('Genesis hash and ledger address the comparison ran against'),
  headBlock: z.number().int(),
  licensesChecked: z.number().int(),
  driftCount: z.number().int(),
  drift: z.array(
    z.object({
      kind: z.enum([
        'prints-settled-mismatch',
        'revoked-only-on-chain',
        'revocation-not-on-chain',
        'missing-on-chain',
        'terms-mismatch',
        'prints-unsettled',
        'issued-without-license',
      ]),
      licenseId: z.string().nullable(),
      tokenId: z.string(),
      offChain: z.unknown().describe('What the database holds for the license'),
      onChain: z.unknown().describe('What LicenseLedger holds for the token'),
    }),
  ),
  ranAt: instant,
});
