import {
  listApiKeys,
  listOrganisations,
  organisationKind,
  revokeApiKey,
} from '#shared/accounts/api-key-store.ts';
import { createPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import { parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requireOrganisation, requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { loadAccountsConfig } from './config.ts';
import { assertGrantable, createKey, createOrganisation, grantableScopes } from './keys.ts';
import { accountsManifest } from './manifest.ts';
import { createKeySchema, createOrgSchema, keyIdSchema, listOrgsQuerySchema } from './schema.ts';

const config = loadAccountsConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });

export const handler = httpFunction(accountsManifest, () => ({
  createOrganisation: async (req, res) => {
    requireScope(requirePrincipal(req), 'admin');
    const input = parseJsonBody(req, createOrgSchema);
    const created = await createOrganisation(pool, input);
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({
        id: created.orgId,
        name: input.name,
        kind: input.kind,
        apiKey: { keyId: created.keyId, key: created.key, scopes: input.scopes },
      });
  },

  listOrganisations: async (req, res) => {
    requireScope(requirePrincipal(req), 'admin');
    const query = validate(listOrgsQuerySchema, req.query, 'query');
    const page = await listOrganisations(pool, {
      limit: query.limit,
      ...(query.cursor === undefined ? {} : { before: query.cursor }),
    });
    res.json({
      items: page.items.map((org) => ({ ...org, createdAt: org.createdAt.toISOString() })),
      nextCursor: page.next,
    });
  },

  listApiKeys: async (req, res) => {
    const orgId = requireOrganisation(requirePrincipal(req));
    res.json({ items: await listApiKeys(pool, orgId) });
  },

  createApiKey: async (req, res) => {
    const principal = requirePrincipal(req);
    const orgId = requireOrganisation(principal);
    const input = parseJsonBody(req, createKeySchema);
    const orgKind = principal.userId ? await organisationKind(pool, orgId) : undefined;
    assertGrantable(grantableScopes(principal, orgKind), input.scopes);
    const created = await createKey(pool, orgId, {
      name: input.name,
      scopes: input.scopes,
      ...(input.expiresAt ? { expiresAt: new Date(input.expiresAt) } : {}),
    });
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ keyId: created.keyId, key: created.key, scopes: input.scopes });
  },

  revokeApiKey: async (req, res) => {
    const orgId = requireOrganisation(requirePrincipal(req));
    const keyId = validate(keyIdSchema, req.params.keyId, 'path');
    if (!(await revokeApiKey(pool, keyId, orgId))) throw new NotFoundError(`No active key ${keyId}`);
    res.status(204).end();
  },
}));
