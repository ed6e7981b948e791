import { z } from 'zod';
import { PRINTER_KEY_WRAP } from '#shared/crypto/printer-key-wrap.ts';

/**
 * The JSON the print-job routes answer with, for the API reference. A type test holds each to
 * what the code returns (test/unit/functions/openapi-responses.test.ts), so neither drifts alone.
 */
export const printJobResponse = z.object({
  id: z.string(),
  serial: z.string().describe('FC-<license id>-<6-digit sequence>, unique per license'),
  licenseId: z.string(),
  printerId: z.string(),
  state: z.enum(['granted', 'succeeded', 'failed', 'expired']),
  counted: z.boolean().describe('The print counts against the license'),
  refunded: z.boolean().describe('A failed print given back to the license'),
  failureReason: z.string().nullable(),
  grantedAt: z.iso.datetime(),
  grantExpiresAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  settled: z.boolean().describe('Written to the on-chain ledger'),
  settledAt: z.iso.datetime().nullable(),
});

export const printJobPageResponse = z.object({
  items: z.array(printJobResponse),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
});

const base64 = z.string().describe('base64');

export const printGrantResponse = z.object({
  jobId: z.string(),
  serial: z.string(),
  licenseId: z.string(),
  designId: z.string(),
  expiresAt: z.iso
    .datetime()
    .describe('Report the outcome before this, or the print goes back to the license'),
  download: z.object({
    url: z.string().describe('Presigned GET of the encrypted design (AES-256-GCM)'),
    method: z.literal('GET'),
    expiresAt: z.iso.datetime(),
  }),
  contentKey: z
    .object({
      consumerId: z.string().describe('The printer id'),
      keyId: z.string().describe('Hex SHA-256 of the printer’s DER public key'),
      wrappingAlgorithm: z.literal(PRINTER_KEY_WRAP.wrappingAlgorithm),
      mgfAlgorithm: z.literal(PRINTER_KEY_WRAP.mgfAlgorithm),
      digestMethod: z.literal(PRINTER_KEY_WRAP.digestMethod),
      cipherValue: base64.describe(
        'The design’s data key, RSA-OAEP-SHA-256 wrapped for the printer (base64)',
      ),
      cekParams: z.object({
        encryptionAlgorithm: z.literal('http://www.w3.org/2009/xmlenc11#aes256-gcm'),
        iv: base64,
        tag: base64,
        aad: base64,
      }),
    })
    .describe('Shaped like a 3MF Secure Content consumer key'),
});
