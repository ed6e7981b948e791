import { z } from 'zod';

/**
 * The answer shape of a presigned PUT, for the API reference: designs and videos both hand one
 * out, so the schema lives beside the object store rather than in either function.
 */
export const presignedUpload = z.object({
  url: z.string(),
  method: z.literal('PUT'),
  headers: z.record(z.string(), z.string()).describe('Signed: send them exactly as given'),
  expiresAt: z.iso.datetime(),
});
