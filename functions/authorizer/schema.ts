import { z } from 'zod';

/**
 * What API Gateway sends: single-argument (TOKEN) or multi-argument (USER_DEFINED) input. The
 * multi-argument names (the deployment's authentication `parameters`): `authorization`, `cookie`,
 * `origin`, `secFetchSite`, and `method` where the gateway can say it (locally; OCI cannot).
 */
export const authorizerInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('TOKEN'), token: z.string().max(4096) }),
  // A Cookie header may carry the portal's other cookies beside the session's.
  z.object({ type: z.literal('USER_DEFINED'), data: z.record(z.string(), z.string().max(8192)) }),
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
  | {
      active: false;
      wwwAuthenticate: string;
      /**
       * Why, when it is not the credential: `origin-refused` for a cookie-authenticated write
       * from another site. The local gateway answers it as 403; OCI answers every refusal 401.
       */
      problem?: 'origin-refused';
    };
