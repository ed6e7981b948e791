import { findApiKey } from '../../shared/accounts/api-key-store.ts';
import { createPool } from '../../shared/db/pool.ts';
import { findPrinterCredential } from '../../shared/printers/printer-repository.ts';
import { authorizerFunction } from '../../shared/runtime/function.ts';
import { authorize, type KeyLookup } from './authorize.ts';
import { loadAuthorizerConfig } from './config.ts';
import { authorizerInputSchema } from './schema.ts';

const config = loadAuthorizerConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const keys: KeyLookup = {
  find: (keyId) => findApiKey(pool, keyId),
  findPrinter: (printerId) => findPrinterCredential(pool, printerId),
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
