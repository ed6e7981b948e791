import { describe, expect, it } from 'vitest';
import { refusalError } from '#functions/print-authorize/errors.ts';
import { toProblem } from '#shared/errors.ts';
import type { PrintRefusal } from '#shared/licenses/print-refusal.ts';

describe('Function: refusalError', () => {
  it.each([
    [{ reason: 'license_not_found' }, 404, undefined],
    [{ reason: 'printer_inactive' }, 401, undefined],
    [{ reason: 'license_pending' }, 409, 'license_pending'],
    [{ reason: 'license_failed' }, 409, 'license_failed'],
    [{ reason: 'license_revoked' }, 409, 'license_revoked'],
    [{ reason: 'license_expired' }, 409, 'license_expired'],
    [{ reason: 'printer_not_approved' }, 403, 'printer_not_approved'],
    [{ reason: 'license_busy' }, 503, undefined],
  ] as Array<[PrintRefusal, number, string | undefined]>)('maps %o to %i', (refusal, status, code) => {
    // Act
    const problem = toProblem(refusalError(refusal, 'L1'));

    // Assess
    expect(problem.status).toBe(status);
    expect(problem.code).toBe(code);
    if (code) expect(problem.type).toBe(`https://forgecast.dev/problems/${code.replaceAll('_', '-')}`);
  });

  it('tells an exhausted license’s counts as problem members', () => {
    // Act
    const problem = toProblem(
      refusalError({ reason: 'prints_exhausted', printsTotal: 10, printsUsed: 7, printsReserved: 3 }, 'L1'),
    );

    // Assess
    expect(problem).toMatchObject({
      status: 409,
      code: 'prints_exhausted',
      printsTotal: 10,
      printsUsed: 7,
      printsReserved: 3,
    });
  });

  it('does not tell a missing license from another organisation’s', () => {
    // Act
    const problem = toProblem(refusalError({ reason: 'license_not_found' }, 'L1'));

    // Assess
    expect(problem.detail).toBe('No license L1');
  });
});
