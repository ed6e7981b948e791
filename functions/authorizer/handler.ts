import { findApiKey } from '../../shared/accounts/api-key-store.ts';
import { createPool } from '../../shared/db/pool.ts';
import { authorizerFunction } from '../../shared/runtime/function.ts';
import { authorize } from './authorize.ts';
import { loadAuthorizerConfig } from './config.ts';
import { authorizerInputSchema } from './schema.ts';

const config = loadAuthorizerConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const keys = { find: (keyId: string) => findApiKey(pool, keyId) };

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
