import { z } from 'zod';

export const consentResponse = z.strictObject({
  granted: z.boolean().nullable().describe('null: never chosen, which counts as declined.'),
  decidedAt: z.iso.datetime().nullable(),
});

export const collectResponse = z.strictObject({
  accepted: z.number().int().nonnegative(),
  identified: z.boolean().describe('Whether the events carry the visitor’s ids (consent on both sides).'),
});
