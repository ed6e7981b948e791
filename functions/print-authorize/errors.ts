import {
  type AppError,
  CodedProblemError,
  DependencyUnavailableError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from '#shared/errors.ts';
import type { PrintRefusal } from '#shared/licenses/print-refusal.ts';

/**
 * A print refused for a reason the printer (or its operator) can act on. The problem type is
 * the code in URL form, and `code` repeats it as a stable machine-readable member.
 */
export class PrintRefusedError extends CodedProblemError {}

export function refusalError(refusal: PrintRefusal, licenseId: string): AppError {
  switch (refusal.reason) {
    case 'license_not_found':
      return new NotFoundError(`No license ${licenseId}`);
    case 'printer_inactive':
      return new UnauthorizedError('This printer is retired');
    case 'license_pending':
      return new PrintRefusedError(
        409,
        'license_pending',
        'License not active yet',
        'The license is still being minted; try again shortly.',
      );
    case 'license_failed':
      return new PrintRefusedError(
        409,
        'license_failed',
        'License failed',
        'The license could not be issued and cannot be printed from.',
      );
    case 'license_revoked':
      return new PrintRefusedError(
        409,
        'license_revoked',
        'License revoked',
        'The license has been revoked.',
      );
    case 'license_expired':
      return new PrintRefusedError(409, 'license_expired', 'License expired', 'The license has expired.');
    case 'printer_not_approved':
      return new PrintRefusedError(
        403,
        'printer_not_approved',
        'Printer not approved',
        'This printer is not among the license’s approved printers.',
      );
    case 'prints_exhausted':
      return new PrintRefusedError(
        409,
        'prints_exhausted',
        'No prints left',
        'Every print of this license is used or reserved.',
        {
          printsTotal: refusal.printsTotal,
          printsUsed: refusal.printsUsed,
          printsReserved: refusal.printsReserved,
        },
      );
    case 'available':
    case 'license_busy':
      return new DependencyUnavailableError('The license is changing under heavy contention; retry.');
  }
}

export const grantAlreadyUsed = (state: string) =>
  new PrintRefusedError(
    409,
    'grant_already_used',
    'Grant already used',
    `This grant was already completed (${state}).`,
  );

export const grantExpired = () =>
  new PrintRefusedError(
    409,
    'grant_expired',
    'Grant expired',
    'The grant expired and its print went back to the license.',
  );

export const designUnavailable = (designId: string) =>
  new PrintRefusedError(
    409,
    'design_unavailable',
    'Design not in the vault',
    `Design ${designId} has no sealed copy to print from.`,
  );

export const printersOnly = () => new ForbiddenError('Only a printer credential can do this');
