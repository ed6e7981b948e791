import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { type Principal, principalFromHeaders } from './auth-context.ts';

/** The caller as the gateway's authorizer established it; a route without one is misconfigured. */
export function requirePrincipal(req: {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}): Principal {
  const principal = principalFromHeaders(req.headers);
  if (!principal) throw new UnauthorizedError('No authenticated principal reached the function');
  return principal;
}

/**
 * The caller's organisation, for routes that act for one: a person signed in without any (who may
 * only hold tickets of their own) is refused with 403 rather than reaching organisation-keyed SQL.
 */
export function requireOrganisation(principal: Principal): string {
  if (!principal.orgId) throw new ForbiddenError('This needs an organisation: you are signed in without one');
  return principal.orgId;
}

/** Defence in depth: the gateway checks scopes per route; functions check again per operation. */
export function requireScope(principal: Principal, ...anyOf: string[]): void {
  if (!anyOf.some((scope) => principal.scopes.includes(scope)) && !principal.scopes.includes('admin')) {
    throw new ForbiddenError(`Requires one of the scopes: ${anyOf.join(', ')}`);
  }
}
