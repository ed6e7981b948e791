import type { Request } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { type Principal, principalFromHeaders } from './auth-context.ts';

/** The caller as the gateway's authorizer established it; a route without one is misconfigured. */
export function requirePrincipal(req: Request): Principal {
  const principal = principalFromHeaders(req.headers);
  if (!principal) throw new UnauthorizedError('No authenticated principal reached the function');
  return principal;
}

/** Defence in depth: the gateway checks scopes per route; functions check again per operation. */
export function requireScope(principal: Principal, ...anyOf: string[]): void {
  if (!anyOf.some((scope) => principal.scopes.includes(scope)) && !principal.scopes.includes('admin')) {
    throw new ForbiddenError(`Requires one of the scopes: ${anyOf.join(', ')}`);
  }
}
