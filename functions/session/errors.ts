import { CodedProblemError } from '#shared/errors.ts';

/** No live session cookie: sign in (the portal sends the browser to /v1/session/login). */
export class NotSignedInError extends CodedProblemError {
  constructor(message = 'There is no valid session; sign in again.') {
    super(401, 'not-signed-in', 'Not signed in', message);
  }
}

/** The sign-in could not be completed: expired, begun in another browser, or refused by the provider. */
export class SignInFailedError extends CodedProblemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(400, 'sign-in-failed', 'The sign-in could not be completed', message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** A cookie-authenticated write from a page that is not the portal (CSRF). */
export class OriginRefusedError extends CodedProblemError {
  constructor() {
    super(
      403,
      'origin-refused',
      'Request refused',
      'Changes made with a session cookie must come from the portal’s own pages.',
    );
  }
}

/** Switching to (or managing) an organisation the person is not a member of. */
export class NotAMemberError extends CodedProblemError {
  constructor(message = 'You are not a member of that organisation.') {
    super(403, 'not-a-member', 'Not a member', message);
  }
}

/** A role only the operator may grant. */
export class RoleNotGrantableError extends CodedProblemError {
  constructor(role: string) {
    super(
      403,
      'role-not-grantable',
      'Role not grantable',
      `Only a platform operator may grant the role ${role}.`,
    );
  }
}

/** The change would leave the organisation without anyone able to manage its members. */
export class LastAdminError extends CodedProblemError {
  constructor() {
    super(
      409,
      'last-admin',
      'The last admin',
      'Name another organisation admin first: an organisation needs one.',
    );
  }
}
