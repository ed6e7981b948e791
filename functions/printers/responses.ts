import { z } from 'zod';

/**
 * The JSON the printers routes answer with, for the API reference. A type test holds each to what
 * `presentPrinter` returns (test/unit/functions/openapi-responses.test.ts), so neither drifts alone.
 */
export const printerResponse = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['active', 'retired']),
  publicKeyPem: z.string(),
  publicKeySha256: z
    .string()
    .describe('Hex SHA-256 of the DER public key: the key id content keys are wrapped under'),
  createdAt: z.iso.datetime(),
  retiredAt: z.iso.datetime().nullable(),
});

export const printerCredentialNote =
  'The printer credential fcp_…, shown only in this answer; send it as a bearer token.';

export const registeredPrinterResponse = printerResponse.extend({
  credential: z.string().describe(printerCredentialNote),
});

export const printerPageResponse = z.object({
  items: z.array(printerResponse),
  nextCursor: z.string().nullable(),
});

export const rotatedCredentialResponse = z.object({
  id: z.string(),
  credential: z.string().describe(printerCredentialNote),
});
