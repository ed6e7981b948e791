import { z } from 'zod';
import { SCOPES } from '#shared/accounts/api-keys.ts';
import { ORG_KINDS } from './schema.ts';

/** The JSON the accounts routes answer with, for the API reference (type-tested against the code). */
const instant = z.iso.datetime();
const keyNote = 'The API key fck_…, shown only in this answer; send it as a bearer token';

export const createdOrganisationResponse = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(ORG_KINDS),
  apiKey: z.object({ keyId: z.string(), key: z.string().describe(keyNote), scopes: z.array(z.enum(SCOPES)) }),
});

export const apiKeyListResponse = z.object({
  items: z.array(
    z.object({
      keyId: z.string(),
      name: z.string(),
      scopes: z.array(z.string()),
      createdAt: instant,
      expiresAt: instant.nullable(),
      revokedAt: instant.nullable(),
    }),
  ),
});

export const createdApiKeyResponse = z.object({
  keyId: z.string(),
  key: z.string().describe(keyNote),
  scopes: z.array(z.enum(SCOPES)),
});

export const organisationPageResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.string().describe('designer, licensee, integrator, creator, viewer or operator'),
      createdAt: instant,
    }),
  ),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
});
