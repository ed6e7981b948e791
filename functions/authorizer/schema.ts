import { z } from 'zod';

/** What API Gateway sends: single-argument (TOKEN) or multi-argument (USER_DEFINED) input. */
export const authorizerInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('TOKEN'), token: z.string().max(4096) }),
  z.object({ type: z.literal('USER_DEFINED'), data: z.record(z.string(), z.string().max(4096)) }),
]);
export type AuthorizerInput = z.infer<typeof authorizerInputSchema>;

export type AuthorizerAnswer =
  | {
      active: true;
      principal: string;
      scope: string[];
      clientId: string;
      expiresAt: string;
      context: Record<string, string>;
    }
  | { active: false; wwwAuthenticate: string };
