import { findApiKey } from '#shared/accounts/api-key-store.ts';
import { createPool } from '#shared/db/pool.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { findLiveSession, touchSession } from '#shared/people/session-repository.ts';
import { findPrinterCredential } from '#shared/printers/printer-repository.ts';
import { authorizerFunction } from '#shared/runtime/function.ts';
import { authorize, type KeyLookup } from './authorize.ts';
import { loadAuthorizerConfig } from './config.ts';
import { authorizerInputSchema } from './schema.ts';

const config = loadAuthorizerConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
/**
 * A credential store that cannot be read is not a bad credential. Answering `active: false` would
 * make API Gateway say 401 to a valid key (and a client would throw its key away), so the call
 * fails instead: the gateway answers 5xx, never 401, and never admits anyone (fail closed).
 */
export class CredentialStoreUnavailableError extends DependencyUnavailableError {}

async function fromStore<T>(lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (err) {
    throw new CredentialStoreUnavailableError('The credential store could not be read', { cause: err });
  }
}

const keys: KeyLookup = {
  find: (keyId) => fromStore(() => findApiKey(pool, keyId)),
  findPrinter: (printerId) => fromStore(() => findPrinterCredential(pool, printerId)),
  ...(config.PORTAL_ORIGIN
    ? {
        sessions: {
          portalOrigin: config.PORTAL_ORIGIN,
          find: (idHash, now) => fromStore(() => findLiveSession(pool, idHash, now)),
          touch: async (idHash, now) => {
            await fromStore(() => touchSession(pool, idHash, config.lifetime, now));
          },
        },
      }
    : {}),
};

export const handler = authorizerFunction(async (body) => {
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return { active: false, wwwAuthenticate: 'Bearer error="invalid_request"' };
  }
  const parsed = authorizerInputSchema.safeParse(input);
  if (!parsed.success) return { active: false, wwwAuthenticate: 'Bearer error="invalid_request"' };
  return authorize(parsed.data, keys);
});
