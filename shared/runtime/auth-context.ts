/**
 * The authorizer's `context` reaches functions as request headers (API Gateway header
 * transformations `${request.auth[key]}`). The gateway sets exactly these and drops any a
 * client sent, so a function may trust them: only the gateway can invoke HTTP functions.
 */
export const AUTH_CONTEXT_HEADERS = {
  principal: 'x-fc-principal',
  orgId: 'x-fc-org',
  scopes: 'x-fc-scopes',
  keyId: 'x-fc-key-id',
  /** A person signed in with a portal session (absent for API keys and printers). */
  userId: 'x-fc-user',
} as const;

export type AuthContextKey = keyof typeof AUTH_CONTEXT_HEADERS;
/** What an active authorizer answer carries; `keyId` names the API key or printer, `userId` the person. */
export type AuthContext = Record<Exclude<AuthContextKey, 'keyId' | 'userId'>, string> &
  Partial<Record<'keyId' | 'userId', string>>;

export interface Principal {
  readonly principal: string;
  /**
   * The organisation acted for; '' for a person signed in without one (a portal session with no
   * organisation holds the person scopes only: see shared/people/roles.ts PERSON_SCOPES).
   */
  readonly orgId: string;
  readonly scopes: readonly string[];
  readonly keyId: string;
  /** The person behind a portal session; undefined for API keys and printers. */
  readonly userId?: string;
}

export function principalFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Principal | undefined {
  const read = (key: AuthContextKey) => {
    const value = headers[AUTH_CONTEXT_HEADERS[key]];
    return Array.isArray(value) ? value[0] : value;
  };
  const principal = read('principal');
  const orgId = read('orgId') ?? '';
  const userId = read('userId') ?? '';
  // Only a person may act without an organisation (a gateway may drop an empty header).
  if (!principal || (!orgId && !userId)) return undefined;
  return {
    principal,
    orgId,
    scopes: (read('scopes') ?? '').split(' ').filter(Boolean),
    keyId: read('keyId') ?? '',
    ...(userId ? { userId } : {}),
  };
}
